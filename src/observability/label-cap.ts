/** The label value every id past the cap is counted under. */
export const OTHER_LABEL = "other";

/**
 * Bounds the distinct values a label takes: the first `limit` values seen keep their own series,
 * every later one is folded into `other`. Ids (applications, endpoints) are unbounded sets, and
 * each distinct value costs Prometheus a series per metric and label combination, so an operator
 * who opts in to tenant labels gets at most `limit` of each (docs/operations.md, "Monitoring").
 * Values admitted stay admitted for the life of the process (a restart starts over).
 */
export class LabelCap {
  private readonly admitted = new Set<string>();

  constructor(private readonly limit: number) {}

  valueOf(id: string): string {
    if (this.admitted.has(id)) return id;
    if (this.admitted.size >= this.limit) return OTHER_LABEL;
    this.admitted.add(id);
    return id;
  }
}
