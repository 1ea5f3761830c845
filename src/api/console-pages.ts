/**
 * The console's pages live at `/` beside the API: these are the first path segments the browser
 * router owns (each answered with the console's index.html by src/api/routes/console.ts, so a
 * reload or a shared link opens the same page). Everything else keeps its own meaning: `/api` and
 * `/in` for the API and inbound requests, `/docs` for the API reference. The client's router
 * (web/console/src/paths.ts) builds its paths from this list, so the two cannot drift.
 */
export const CONSOLE_PAGES = ["sign-in", "apps", "messages", "recovery", "admin", "event-types", "inbound"] as const;

/** Where the built console's hashed files are served from. */
export const CONSOLE_ASSETS_PREFIX = "/assets/";
