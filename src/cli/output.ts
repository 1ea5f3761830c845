/**
 * What a command prints: JSON (with `--json`, or whenever stdout is not a terminal, so pipes and
 * scripts get something parseable) or a readable table on a terminal (`--table` forces it).
 */
export interface Output {
  json: boolean;
  write(text: string): void;
}

export function chooseOutput(flags: Record<string, string | true>, isTTY: boolean, write: (t: string) => void): Output {
  const json = flags.json === true ? true : flags.table === true ? false : !isTTY;
  return { json, write };
}

export function printJson(out: Output, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + "\n");
}

/** A list page (`{data, iterator, done}`) as rows under the given columns, or the whole page as JSON. */
export function printList(out: Output, page: unknown, columns: string[]): void {
  if (out.json) return printJson(out, page);
  const p = page as { data?: Record<string, unknown>[]; iterator?: string | null; done?: boolean };
  const rows = p.data ?? [];
  out.write(
    table(
      columns,
      rows.map((r) => columns.map((c) => cell(r[c]))),
    ),
  );
  if (p.done === false && p.iterator) out.write(`(more: --iterator ${p.iterator})\n`);
}

/** One object as `field  value` lines, or JSON. */
export function printObject(out: Output, value: unknown): void {
  if (out.json || typeof value !== "object" || value === null) return printJson(out, value ?? null);
  const entries = Object.entries(value as Record<string, unknown>);
  const width = Math.max(...entries.map(([k]) => k.length)) + 2;
  out.write(entries.map(([k, v]) => `${k.padEnd(width)}${cell(v)}`).join("\n") + "\n");
}

/** A short confirmation (`deleted app_…`), or `{…}` as JSON. */
export function printDone(out: Output, text: string, json: Record<string, unknown>): void {
  if (out.json) printJson(out, json);
  else out.write(text + "\n");
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "string") return value.replace(/\s+/g, " ");
  if (typeof value === "object") {
    const json = JSON.stringify(value);
    return json.length > 60 ? json.slice(0, 59) + "…" : json;
  }
  return String(value);
}

function table(columns: string[], rows: string[][]): string {
  const header = columns.map((c) => c.toUpperCase());
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n" + (rows.length === 0 ? "(none)\n" : "");
}
