import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * The web console's build: `npm run build:web` writes web/console/dist, which Hookline serves at `/`
 * (src/api/routes/console.ts). Run once at install time, never at start. Two entry points share the
 * components: the operator console (index.html) and the consumer portal (portal.html, served at
 * `/portal/app/<app_id>/` by src/api/routes/portal-page.ts).
 */
export default defineConfig({
  root: here("."),
  plugins: [react()],
  // The console is served by Hookline, which forbids inline scripts (Content-Security-Policy).
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: { input: { console: here("index.html"), portal: here("portal.html") } },
  },
  logLevel: "warn",
});
