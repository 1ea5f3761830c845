#!/usr/bin/env node
// Runs the JavaScript compiled into dist/ when it was built from the sources as they are now
// (`npm ci` and `npm run build` build it), and otherwise the TypeScript sources through tsx, so a
// source edited since the last build runs as edited: docs/architecture.md, "Compiled ahead of time".
import { fileURLToPath, URL } from "node:url";
import { distIsFresh } from "./build-freshness.js";

let cli;
if (distIsFresh(fileURLToPath(new URL("..", import.meta.url)))) {
  cli = await import("../dist/main/cli.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("../src/main/cli.ts");
}
process.exitCode = await cli.main(process.argv.slice(2));
