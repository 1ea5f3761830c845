import { reportFirstPageSize } from "./console-size.ts";

/**
 * `npm ci` (and `npm install`) run this once: it builds the web console into web/console/dist,
 * which Hookline serves at `/` (docs/console.md). Hookline never builds at start. An install
 * without development dependencies (`npm ci --omit=dev`) has no Vite: Hookline then runs without
 * its console and says so on `/`, and this step says how to build it elsewhere.
 */
let vite: typeof import("vite");
try {
  vite = await import("vite");
} catch {
  console.warn(
    "hookline: the web console is not built (Vite is a development dependency and is not installed); " +
      "run `npm run build:web` where it is, and ship web/console/dist",
  );
  process.exit(0);
}
await vite.build({ configFile: new URL("../web/console/vite.config.ts", import.meta.url).pathname });
reportFirstPageSize();
