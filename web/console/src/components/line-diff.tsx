import { diffLines } from "../lib/line-diff.ts";

const MARK = { same: "  ", removed: "- ", added: "+ " } as const;

/** A unified diff of two texts, lines of the first marked "-", of the second "+". */
export function LineDiff({ a, b, label }: { a: string; b: string; label: string }) {
  const lines = diffLines(a, b);
  const changed = lines.some((l) => l.kind !== "same");
  return (
    <>
      <p className={changed ? "" : "muted"}>{changed ? "Differs:" : "Identical."}</p>
      <pre className="code" tabIndex={0} aria-label={label}>
        {lines.map((l, i) => (
          <span key={i} className={l.kind === "same" ? undefined : `diff-line-${l.kind}`}>
            {MARK[l.kind]}
            {l.text}
            {"\n"}
          </span>
        ))}
      </pre>
    </>
  );
}
