import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The web console's build: `npm run build:web` writes web/console/dist, which Hookline serves at `/`
 * (src/api/routes/console.ts). Run once at install time, never at start.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  // The console is served by Hookline, which forbids inline scripts (Content-Security-Policy).
  build: { outDir: "dist", emptyOutDir: true, assetsInlineLimit: 0, modulePreload: { polyfill: false } },
  logLevel: "warn",
});
