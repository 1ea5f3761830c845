import type { FieldChange, Plan } from "./plan-changes.ts";

/**
 * A plan for people (`+ create`, `~ update` with `field: old → new`, `- delete`) and for machines
 * (`--json`). Neither ever holds a secret: a secret change shows only the variable it comes from.
 */

const SIGN = { create: "+", update: "~", delete: "-" } as const;
/** Longer values (schemas, metadata) are cut: the plan says what changes, the file says to what. */
const MAX_VALUE_CHARS = 100;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function fieldLine(action: string, f: FieldChange): string {
  if (f.fromVariable !== undefined)
    return `${f.field}: ${action === "create" ? "set" : "rotated to the value"} from $${f.fromVariable} (not shown)`;
  if (action === "create") return `${f.field}: ${show(f.to)}`;
  return `${f.field}: ${show(f.from)} → ${show(f.to)}`;
}

export function summary(plan: Plan): { create: number; update: number; delete: number } {
  const count = (action: string) => plan.changes.filter((c) => c.action === action).length;
  return { create: count("create"), update: count("update"), delete: count("delete") };
}

export function renderPlanText(plan: Plan): string {
  const lines: string[] = [];
  const s = summary(plan);
  if (plan.changes.length === 0) lines.push("No changes: the server matches the file.");
  else lines.push(`Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete.`, "");
  for (const change of plan.changes) {
    const note = change.action === "delete" && change.kind === "event-type" ? " (archived)" : "";
    const what = change.kind === "settings" ? "settings" : `${change.kind} ${change.name}`;
    lines.push(`  ${SIGN[change.action]} ${what}${note}`);
    for (const f of change.fields) if (change.action !== "delete") lines.push(`      ${fieldLine(change.action, f)}`);
  }
  if (plan.kept.length > 0) {
    lines.push(
      "",
      `Not in the file, kept (--prune would delete them): ${plan.kept.map((k) => `${k.kind} ${k.name}`).join(", ")}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The plan as data: `{summary, changes: [{action, kind, name, fields}], kept}`. */
export function planJson(plan: Plan) {
  return {
    summary: summary(plan),
    changes: plan.changes.map((c) => ({
      action: c.action,
      kind: c.kind,
      name: c.name,
      fields: c.fields.map((f) =>
        f.fromVariable !== undefined ? { field: f.field, fromVariable: f.fromVariable } : f,
      ),
    })),
    kept: plan.kept,
  };
}
