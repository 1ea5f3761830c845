/**
 * The `signedContent` template of the `hmac` source type: literal text with placeholders for what
 * the sender signs, e.g. `{timestamp}.{body}` or `v0:{timestamp}:{body}`. `{body}` is the raw
 * body's bytes, untouched; the rest are UTF-8 text.
 */
export const PLACEHOLDERS = ["body", "timestamp", "id", "url"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export type TemplatePart = { literal: string } | { placeholder: Placeholder };

const PLACEHOLDER = /\{([A-Za-z_]+)\}/g;

/** The template's parts, or a message naming the first unknown placeholder. */
export function parseTemplate(template: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      return `unknown placeholder {${name}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`;
    }
    if (match.index > last) parts.push({ literal: template.slice(last, match.index) });
    parts.push({ placeholder: name as Placeholder });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  return parts;
}

export const usesPlaceholder = (parts: TemplatePart[], name: Placeholder) =>
  parts.some((part) => "placeholder" in part && part.placeholder === name);

/** The bytes to sign; every placeholder the template uses must have a value. */
export function signedContent(parts: TemplatePart[], values: Record<Placeholder, string | Buffer>): Buffer {
  return Buffer.concat(
    parts.map((part) => {
      const value = "literal" in part ? part.literal : values[part.placeholder];
      return typeof value === "string" ? Buffer.from(value, "utf8") : value;
    }),
  );
}
