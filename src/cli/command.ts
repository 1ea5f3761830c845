import { type FlagSpec, type ParsedArgs } from "./args.ts";
import { ApiClient, type Query } from "./client.ts";
import { usageError } from "./exit-codes.ts";
import { readJsonInput } from "./input.ts";
import { printDone, printList, printObject, type Output } from "./output.ts";

/** What a subcommand gets: its parsed arguments, where to print, and the API (connected on first use). */
export interface CommandContext {
  parsed: ParsedArgs;
  out: Output;
  /** Diagnostics and progress: stderr, never mixed into the JSON on stdout. */
  note(text: string): void;
  client(): ApiClient;
  readStdin(): Buffer;
  env: NodeJS.ProcessEnv;
}

export interface Subcommand {
  name: string;
  summary: string;
  /** Positional arguments as shown in the usage line, e.g. ["<app>"]. */
  args?: string[];
  flags?: FlagSpec[];
  /** Accepts a JSON body through --data / -f. */
  input?: boolean;
  /** Calls the API (adds --url and --token); false for local commands (signature, completion). */
  connects?: boolean;
  /** A sentence or two for --help. */
  description?: string;
  example: string;
  run(c: CommandContext): Promise<number | void>;
}

/** A top-level command: a resource family with subcommands, or a single command (`single`). */
export interface Family {
  name: string;
  summary: string;
  subcommands?: Subcommand[];
  single?: Subcommand;
}

export const CONNECTION_FLAGS: FlagSpec[] = [
  { name: "url", value: "<url>", description: "the server (else HOOKLINE_URL, else `hookline login`'s)" },
  { name: "token", value: "<token>", description: "the API token (else HOOKLINE_TOKEN, else `hookline login`'s)" },
];
export const OUTPUT_FLAGS: FlagSpec[] = [
  { name: "json", description: "print JSON (the default when stdout is not a terminal)" },
  { name: "table", description: "print a table even when stdout is not a terminal" },
];
export const INPUT_FLAGS: FlagSpec[] = [
  { name: "data", short: "d", value: "<json|@file>", description: "the JSON body, inline or @file (@- is stdin)" },
  { name: "file", short: "f", value: "<file>", description: "read the JSON body from a file (- is stdin)" },
];
export const HELP_FLAG: FlagSpec = { name: "help", short: "h", description: "show this help" };
export const PAGE_FLAGS: FlagSpec[] = [
  { name: "limit", value: "<n>", description: "how many per page", default: "50" },
  { name: "iterator", value: "<cursor>", description: "continue after the previous page's iterator" },
];
export const APP_FLAG: FlagSpec = {
  name: "app",
  value: "<app>",
  description: "the application (id or uid)",
  required: true,
};

/** Every flag a subcommand accepts, in the order --help shows them. */
export function flagsOf(sub: Subcommand): FlagSpec[] {
  return [
    ...(sub.flags ?? []),
    ...(sub.input ? INPUT_FLAGS : []),
    ...OUTPUT_FLAGS,
    ...(sub.connects === false ? [] : CONNECTION_FLAGS),
    HELP_FLAG,
  ];
}

/** The n-th positional argument, or a usage error naming it. */
export function arg(c: CommandContext, index: number, name: string): string {
  const value = c.parsed.positionals[index];
  if (value === undefined || value === "") throw usageError(`missing argument ${name}`);
  return value;
}

export const seg = (value: string) => encodeURIComponent(value);

export function pageQuery(c: CommandContext, extra: Query = {}): Query {
  const limit = c.parsed.flags.limit;
  return { limit: typeof limit === "string" ? limit : undefined, iterator: flagString(c, "iterator"), ...extra };
}

export function flagString(c: CommandContext, name: string): string | undefined {
  const v = c.parsed.flags[name];
  return typeof v === "string" ? v : undefined;
}

/**
 * A create or update body: the JSON input (if any) with the fields the flags give on top, so
 * `--data @base.json --name x` works. Refuses an empty body, which would only earn a 422.
 */
export function bodyOf(c: CommandContext, fromFlags: Record<string, unknown>): Record<string, unknown> {
  const body = { ...(readJsonInput(c.parsed, c.readStdin) ?? {}) };
  for (const [k, v] of Object.entries(fromFlags)) if (v !== undefined) body[k] = v;
  if (Object.keys(body).length === 0)
    throw usageError("nothing to send: give the fields as flags or JSON with --data / -f");
  return body;
}

export async function listCommand(
  c: CommandContext,
  path: string,
  columns: string[],
  query: Query = {},
): Promise<void> {
  printList(c.out, await c.client().request("GET", path, { query: pageQuery(c, query) }), columns);
}

export async function getCommand(c: CommandContext, path: string, query?: Query): Promise<void> {
  printObject(c.out, await c.client().request("GET", path, { query }));
}

export async function sendCommand(c: CommandContext, method: string, path: string, body: unknown): Promise<void> {
  printObject(c.out, await c.client().request(method, path, { body }));
}

export async function deleteCommand(c: CommandContext, path: string, what: string): Promise<void> {
  await c.client().request("DELETE", path);
  printDone(c.out, `deleted ${what}`, { deleted: what });
}

/** The path segment of the `--app` flag (required by APP_FLAG, so present once parsed). */
export const appSeg = (c: CommandContext) => seg(flagString(c, APP_FLAG.name)!);
