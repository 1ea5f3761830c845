/**
 * Suggestions for misspelt names (flags, environment variables, body fields): the closest
 * candidate by edit distance, where swapping two neighbouring characters counts as one edit
 * (`PROT` → `PORT`) and case does not count (`filtertypes` → `filterTypes`), or null when nothing
 * is close enough to be a plausible intent, or the name is itself a candidate.
 */
export function closestName(input: string, candidates: Iterable<string>): string | null {
  const wanted = input.toLowerCase();
  // Short names allow one or two edits, longer ones about a third of their length.
  const allowed = Math.max(2, Math.floor(wanted.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === input) return null;
    const d = editDistance(wanted, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= allowed ? best : null;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** ` (did you mean X?)`, or nothing: for appending to an error message. */
export function didYouMean(
  input: string,
  candidates: Iterable<string>,
  format: (name: string) => string = (n) => n,
): string {
  const best = closestName(input, candidates);
  return best === null ? "" : ` (did you mean ${format(best)}?)`;
}
