/**
 * The sources a CSP `frame-ancestors` list may name for the consumer portal (docs/portal.md): an
 * origin (scheme, host, optional port; `*.` allowed as the first label) or `'self'` / `'none'`.
 */
const SOURCE = /^(?:'self'|'none'|https?:\/\/(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d{1,5})?)$/i;

/**
 * Reads a list of frame ancestors (origins separated by spaces or commas). Returns the sources and
 * the entries that are not one, so the setting's owner can be told; an invalid entry is never
 * copied into the header (a `;` in it would add a directive of the caller's choosing).
 */
export function parseFrameAncestors(text: string): { sources: string[]; invalid: string[] } {
  const sources: string[] = [];
  const invalid: string[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    if (SOURCE.test(entry)) sources.push(entry);
    else invalid.push(entry);
  }
  return { sources, invalid };
}
