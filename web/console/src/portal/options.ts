/**
 * What the portal's URL tells it (docs/portal.md, "Embedding"). The operator gets the URL from
 * `POST /api/v1/auth/app-portal-access/{app}` (`…/portal/app/<app_id>/#token=…`) and may add
 * options, either to the fragment (`#token=…&primaryColor=3880ff`) or as query parameters
 * (`?primaryColor=3880ff#token=…`), under the names Svix's portal and svix-react's `AppPortal` use:
 *
 * - `primaryColor`: the accent colour, `3880ff` or `#3880ff`;
 * - `darkMode`: `true` (dark), `false` (light) or `auto` (the system's setting, the default);
 * - `fontFamily`: a font the operator's page already has (no font is downloaded);
 * - `icon`: the logo, an `https:` URL (or a `data:` image);
 * - `noNav`: `true` hides the navigation, for an operator that puts its own around the frame;
 * - `compact`: `true` for tighter spacing;
 * - `next`: the page to open, a path inside the portal such as `/endpoints/ep_…` or `/event-types`.
 *
 * The token is never kept in the address: `readPortalUrl` returns it, and the caller removes the
 * fragment from the address bar at once (history.replaceState), so it is not in the history, a
 * bookmark or a screenshot of the address bar.
 */
export type ThemeMode = "light" | "dark" | "auto";

export interface PortalOptions {
  token: string | null;
  primaryColor: string | null;
  mode: ThemeMode;
  fontFamily: string | null;
  icon: string | null;
  noNav: boolean;
  compact: boolean;
  next: string | null;
}

const TRUE = /^(1|true|yes|on)$/i;
const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;
/** A font-family value that cannot close the declaration: names, quotes, commas, spaces, hyphens. */
const FONT = /^[\w\s,'"-]{1,200}$/;

/** The fragment's and the query's parameters, the fragment's winning (it is where the token is). */
function parameters(url: URL): URLSearchParams {
  const merged = new URLSearchParams(url.search);
  for (const [k, v] of new URLSearchParams(url.hash.replace(/^#/, ""))) merged.set(k, v);
  return merged;
}

export function readPortalUrl(href: string): PortalOptions {
  const url = new URL(href);
  const p = parameters(url);
  const color = p.get("primaryColor");
  const dark = p.get("darkMode") ?? p.get("theme");
  const icon = p.get("icon") ?? p.get("logo");
  const font = p.get("fontFamily");
  const next = p.get("next");
  return {
    token: p.get("token") || null,
    primaryColor: color && HEX.test(color) ? `#${color.replace(/^#/, "")}` : null,
    mode: dark === "auto" || dark === null ? "auto" : TRUE.test(dark) || dark === "dark" ? "dark" : "light",
    fontFamily: font && FONT.test(font) ? font : null,
    icon: icon && /^(https:\/\/|data:image\/)/.test(icon) ? icon : null,
    noNav: TRUE.test(p.get("noNav") ?? p.get("hideNav") ?? ""),
    compact: TRUE.test(p.get("compact") ?? ""),
    // Only a path inside the portal: never another site (`//evil.example`) or a scheme.
    next: next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : null,
  };
}

/** The address without the token (and the other fragment options), for history.replaceState. */
export function addressWithoutFragment(href: string): string {
  const url = new URL(href);
  url.hash = "";
  return url.pathname + url.search;
}
