import { readFileSync } from "node:fs";
import { confirmed } from "./confirm.ts";
import { flagString, type CommandContext, type Family, type Subcommand } from "./command.ts";
import { CliError, EXIT, usageError } from "./exit-codes.ts";
import { readLiveState } from "./config-as-code/live-state.ts";
import { planChanges, type Plan } from "./config-as-code/plan-changes.ts";
import { planJson, renderPlanText, summary } from "./config-as-code/render-plan.ts";
import { printJson } from "./output.ts";

/**
 * `hookline plan -f hookline.yaml` and `hookline apply -f hookline.yaml`: configuration as code
 * over the API (docs/cli.md, "Configuration as code"; the logic is in config-as-code/). Both print
 * the plan for people even when piped, since a CI log is read by people; `--json` is for scripts.
 */

const FILE_FLAG = {
  name: "file",
  short: "f",
  value: "<file>",
  description: "the configuration, YAML or JSON (- is stdin)",
  required: true,
};
const PRUNE_FLAG = {
  name: "prune",
  description: "also delete what the file's sections do not name (event types are archived)",
};

async function makePlan(c: CommandContext): Promise<Plan> {
  const name = flagString(c, "file")!;
  let text: string;
  try {
    text = (name === "-" ? c.readStdin() : readFileSync(name)).toString("utf8");
  } catch (error) {
    throw usageError(`cannot read ${name}: ${(error as Error).message}`);
  }
  // Loaded on use: the YAML parser and the schema validator cost about 0.6 s of CPU at every start
  // of every other command.
  const { parseConfig } = await import("./config-as-code/read-config-file.ts");
  const config = parseConfig(text, name === "-" ? "(stdin)" : name, c.env);
  const live = await readLiveState(c.client(), config.file, new Set(config.secrets.keys()), config.sourceConfigs);
  return planChanges(config, live, c.parsed.flags.prune === true);
}

const wantsJson = (c: CommandContext) => c.parsed.flags.json === true;

const planCommand: Subcommand = {
  name: "plan",
  summary: "show what apply would create, change and delete on the server",
  flags: [FILE_FLAG, PRUNE_FLAG],
  description:
    "Compares the file with the server and prints the difference; changes nothing. A field the file\n" +
    "leaves out is not managed. Without --prune nothing is deleted: what the file does not name is listed as kept.",
  example: "hookline plan -f hookline.yaml",
  run: async (c) => {
    const plan = await makePlan(c);
    if (wantsJson(c)) printJson(c.out, planJson(plan));
    else c.out.write(renderPlanText(plan));
  },
};

const applyCommand: Subcommand = {
  name: "apply",
  summary: "make the server match the file (shows the plan, asks, then applies it)",
  flags: [FILE_FLAG, PRUNE_FLAG, { name: "yes", short: "y", description: "apply without asking" }],
  description:
    "Idempotent: a second apply of the same file finds nothing to do. Stops at the first change the\n" +
    "API refuses (exit 5); the changes before it stay applied, and running apply again continues.",
  example: "hookline apply -f hookline.yaml --yes",
  run: async (c) => {
    const plan = await makePlan(c);
    const json = wantsJson(c);
    if (!json) c.out.write(renderPlanText(plan));
    if (plan.changes.length === 0) {
      if (json) printJson(c.out, { ...planJson(plan), applied: 0 });
      return;
    }
    if (
      !(await confirmed(
        c,
        `Apply these ${plan.changes.length} changes to ${c.client().connection.url}?`,
        "apply changes the server",
      ))
    ) {
      c.note("Nothing applied.\n");
      return EXIT.failure;
    }
    const client = c.client();
    let applied = 0;
    for (const change of plan.changes) {
      try {
        await change.run(client);
      } catch (error) {
        if (error instanceof CliError)
          c.note(
            `Applied ${applied} of ${plan.changes.length} changes; stopped at ${change.action} ${change.kind} ${change.name}.\n`,
          );
        throw error;
      }
      applied++;
    }
    const s = summary(plan);
    if (json) printJson(c.out, { ...planJson(plan), applied });
    else c.out.write(`\nApplied: ${s.create} created, ${s.update} updated, ${s.delete} deleted.\n`);
  },
};

export const planFamily: Family = { name: "plan", summary: planCommand.summary, single: planCommand };
export const applyFamily: Family = { name: "apply", summary: applyCommand.summary, single: applyCommand };
