/** A line diff of two texts (attempt bodies and headers), without DOM, so Node tests run it. */

/** One line of a diff: in both texts, only the first (removed) or only the second (added). */
export interface DiffLine {
  kind: "same" | "removed" | "added";
  text: string;
}

/** Past this many lines a side, the texts are shown as wholly replaced rather than diffed (the table is lines²). */
const MAX_LINES = 2000;

/** A line diff by longest common subsequence: small texts (attempt bodies, headers), so the quadratic table is fine. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split("\n");
  const y = b.split("\n");
  if (x.length > MAX_LINES || y.length > MAX_LINES)
    return [
      ...x.map((text) => ({ kind: "removed" as const, text })),
      ...y.map((text) => ({ kind: "added" as const, text })),
    ];
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      out.push({ kind: "same", text: x[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ kind: "removed", text: x[i++]! });
    else out.push({ kind: "added", text: y[j++]! });
  }
  while (i < x.length) out.push({ kind: "removed", text: x[i++]! });
  while (j < y.length) out.push({ kind: "added", text: y[j++]! });
  return out;
}
