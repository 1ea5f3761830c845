import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { CONSOLE_DIST } from "../src/api/routes/console.ts";

/** The budget for the console's first page: compressed JavaScript the browser must fetch before it draws. */
export const FIRST_PAGE_JS_BUDGET_BYTES = 300_000;

/**
 * The scripts the console's index.html loads at once (its module entry and every module it
 * preloads), each with its size as built and compressed with gzip, as Hookline serves it.
 */
export function firstPageScripts(
  dist = CONSOLE_DIST,
  page = "index.html",
): { file: string; bytes: number; gzipBytes: number }[] {
  const html = readFileSync(path.join(dist, page), "utf8");
  const urls = [
    ...[...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]!),
  ];
  return [...new Set(urls)].map((url) => {
    const body = readFileSync(path.join(dist, url.replace(/^\//, "")));
    return { file: url, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
}

/** The console's entry page, and the consumer portal's (web/console/portal.html, docs/portal.md): the same budget. */
export const ENTRY_PAGES = [
  { name: "console", page: "index.html" },
  { name: "portal", page: "portal.html" },
] as const;

/** Reports each entry page's first-page JavaScript; returns the larger total. */
export function reportFirstPageSize(dist = CONSOLE_DIST): number {
  let largest = 0;
  for (const entry of ENTRY_PAGES) {
    const scripts = firstPageScripts(dist, entry.page);
    const total = scripts.reduce((sum, s) => sum + s.gzipBytes, 0);
    for (const s of scripts) console.log(`  ${s.file}: ${s.bytes} bytes, ${s.gzipBytes} gzipped`);
    console.log(
      `${entry.name} first page: ${(total / 1000).toFixed(1)} kB of gzipped JavaScript ` +
        `(budget ${FIRST_PAGE_JS_BUDGET_BYTES / 1000} kB)`,
    );
    largest = Math.max(largest, total);
  }
  return largest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const total = reportFirstPageSize();
  process.exitCode = total <= FIRST_PAGE_JS_BUDGET_BYTES ? 0 : 1;
}
