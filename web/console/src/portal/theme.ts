import type { PortalOptions } from "./options.ts";

/** Relative luminance (WCAG 2) of a `#rrggbb` or `#rgb` colour. */
function luminance(hex: string): number {
  const h = hex.replace("#", "");
  const full = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** Black or white, whichever reads better on the colour (contrast ratio against each). */
export function textOn(hex: string): string {
  const l = luminance(hex);
  return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

/**
 * Applies the operator's theme to the document: the mode as `data-theme` (portal.css picks the
 * palette), the accent colour and font as custom properties set through the CSSOM (the page's
 * Content-Security-Policy forbids inline styles in the markup, not this), and compact spacing.
 */
export function applyTheme(options: PortalOptions, root: HTMLElement = document.documentElement): void {
  root.dataset.theme = options.mode;
  if (options.compact) root.dataset.compact = "true";
  if (options.primaryColor) {
    root.style.setProperty("--accent", options.primaryColor);
    root.style.setProperty("--focus", options.primaryColor);
    root.style.setProperty("--accent-text", textOn(options.primaryColor));
  }
  if (options.fontFamily) root.style.setProperty("font-family", `${options.fontFamily}, system-ui, sans-serif`);
}
