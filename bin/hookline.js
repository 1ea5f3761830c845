#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader, so `npm ci` is the whole install.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main/cli.ts");
process.exitCode = await main(process.argv.slice(2));
