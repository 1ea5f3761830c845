import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Frame, type Page } from "playwright-core";

/** Debian's Chromium, which CI installs (.ci/run). */
export const CHROMIUM = "/usr/bin/chromium";

/** Why browser tests skip here, or false: without Chromium they skip, except in CI, which must have it. */
export const browserSkip: string | false =
  !existsSync(CHROMIUM) && !process.env.CI
    ? `${CHROMIUM} is absent (apt-get install chromium); set CI to make this fail instead`
    : false;

/** Headless, offline, with a fresh profile (playwright-core makes one per launch). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * axe-core's audit of the page as it stands (WCAG 2 A and AA rules and best practices). The
 * engine is evaluated through the DevTools protocol, which the page's Content-Security-Policy
 * does not govern, so the page runs with its real policy. A frame (the consumer portal in its
 * iframe) is audited the same way, as its own document.
 */
export async function axeAudit(page: Page | Frame): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<any> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations as AxeViolation[];
  });
}

/** The serious and critical violations, one line each, for an assertion message. */
export function seriousViolations(violations: AxeViolation[]): string[] {
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`);
}

/** What went wrong on a page while a test drove it: uncaught script errors and Content-Security-Policy violations. */
export interface PageProblems {
  errors: string[];
  policyViolations: string[];
}

const VIOLATION_PREFIX = "Content-Security-Policy violation:";

/**
 * Starts recording a page's problems (and those of its frames). Chromium's own console line for
 * a violation names neither the element nor what was blocked, so each frame also reports the
 * `securitypolicyviolation` event: the directive, the element (outside a shadow root, its host)
 * and the start of the blocked text, which the policies carry `'report-sample'` for.
 */
export async function recordPageProblems(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { errors: [], policyViolations: [] };
  await page.addInitScript((prefix) => {
    document.addEventListener(
      "securitypolicyviolation",
      (event) => {
        const element = event.target instanceof Element ? event.target.outerHTML.slice(0, 200) : String(event.target);
        const where = event.sourceFile ? ` from ${event.sourceFile}:${event.lineNumber}` : "";
        console.error(`${prefix} ${event.effectiveDirective} blocked "${event.sample}" at ${element}${where}`);
      },
      true,
    );
  }, VIOLATION_PREFIX);
  page.on("pageerror", (error) => problems.errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (text.startsWith(VIOLATION_PREFIX) || /Content Security Policy/.test(text)) problems.policyViolations.push(text);
  });
  return problems;
}
