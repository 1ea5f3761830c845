import type { Query } from "./client.ts";
import type { CommandContext } from "./command.ts";
import { confirmed } from "./confirm.ts";
import { EXIT } from "./exit-codes.ts";
import { printJson } from "./output.ts";
import type { ExpectedWork } from "./tasks.ts";

/**
 * The shape shared by `hookline replay`, `endpoint recover` and `message expunge-all-contents`
 * (docs/cli.md, "Background tasks"): count what the task would touch with the API's list routes,
 * stop there with --dry-run, else ask (or take --yes), start the task and follow its progress.
 */

export interface Preview {
  count: number;
  /** The first few, newest first, so a dry run shows what it counted. */
  sample: { id: string; eventType?: string; timestamp?: string }[];
}

/** The API's largest page: a 100,000-message count is 400 requests. */
const PAGE_LIMIT = 250;
const SAMPLE_SIZE = 5;

/** Counts the items of a list route by paging through it with its iterator. */
export async function countPages(c: CommandContext, path: string, query: Query): Promise<Preview> {
  const preview: Preview = { count: 0, sample: [] };
  let iterator: string | undefined;
  for (;;) {
    const page = (await c.client().request("GET", path, {
      query: { ...query, limit: PAGE_LIMIT, with_content: false, iterator },
    })) as { data: { id: string; eventType?: string; timestamp?: string }[]; iterator?: string | null; done: boolean };
    preview.count += page.data.length;
    for (const m of page.data.slice(0, SAMPLE_SIZE - preview.sample.length))
      preview.sample.push({ id: m.id, eventType: m.eventType, timestamp: m.timestamp });
    if (page.done || !page.iterator || page.data.length === 0) return preview;
    iterator = page.iterator;
  }
}

export interface GuardedTask {
  /** `replayed to ep_…`: completes "3 messages would be …" and "Nothing …". */
  outcome: string;
  /** The question before starting, given the count: `Replay 3 messages to ep_…?`. */
  question(count: number): string;
  /** What a refusal without a terminal says changes: `replay sends messages again`. */
  refusal: string;
  preview(): Promise<Preview>;
  /** The counter of the task's data that grows to the count (`messagesSent`). */
  counter: string;
  /** Follows the task even without --wait (`hookline replay` always shows its progress). */
  follow: boolean;
  start(expected: ExpectedWork | undefined): Promise<void>;
}

export async function runGuardedTask(c: CommandContext, g: GuardedTask): Promise<number | void> {
  const dryRun = c.parsed.flags["dry-run"] === true;
  const follow = g.follow || c.parsed.flags.wait === true;
  if (g.follow) c.parsed.flags.wait = true;
  // Counting costs a request per 250 messages: skipped when nothing shows the count.
  const needsCount = dryRun || follow || c.parsed.flags.yes !== true;
  const preview = needsCount ? await g.preview() : undefined;
  if (dryRun) {
    if (c.out.json) printJson(c.out, { dryRun: true, count: preview!.count, sample: preview!.sample });
    else c.out.write(dryRunText(preview!, g.outcome));
    return;
  }
  if (!(await confirmed(c, g.question(preview?.count ?? 0), g.refusal))) {
    c.note(`Nothing ${g.outcome}.\n`);
    return EXIT.failure;
  }
  return g.start(preview && follow ? { total: preview.count, counter: g.counter } : undefined);
}

function dryRunText(preview: Preview, outcome: string): string {
  const lines = [
    `${preview.count} message${preview.count === 1 ? "" : "s"} would be ${outcome} (dry run: nothing changed)`,
  ];
  for (const m of preview.sample) lines.push(`  ${[m.id, m.eventType, m.timestamp].filter(Boolean).join("  ")}`);
  if (preview.count > preview.sample.length) lines.push(`  … and ${preview.count - preview.sample.length} more`);
  return lines.join("\n") + "\n";
}
