import { readFileSync } from "node:fs";

/** The version in package.json: the one source of truth, also for `hookline --version`. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
