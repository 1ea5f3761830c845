import { FieldError } from "../errors.ts";
import { isHopByHopHeader, isReservedHeader } from "./header-names.ts";

/**
 * Name prefixes refused for custom headers, as Svix refuses them: Hookline's and Svix's own
 * (`webhook-`, `svix-`, `x-svix-`), and those cloud load balancers and CDNs (AWS, Google, Azure
 * Front Door) set or strip themselves, which a receiver behind one would never see as sent or
 * would trust as the platform's.
 */
const RESERVED_PREFIXES = [
  "webhook-",
  "svix-",
  "x-svix-",
  "x-amz-",
  "x-amzn-",
  "x-google",
  "x-goog-",
  "x-gfe",
  "x-azure-",
  "x-fd-",
];

const reservedPrefixOf = (name: string): string | undefined => {
  const lower = name.toLowerCase();
  return RESERVED_PREFIXES.find((prefix) => lower.startsWith(prefix));
};

/**
 * Custom headers as set on an endpoint (create, update, `PUT`/`PATCH …/headers`). A null value
 * (PATCH: remove it) is checked for its name's syntax only, so a header stored before a rule
 * existed can still be removed.
 */
export function checkHeaders(headers: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(name))
      throw new FieldError(["headers", name], "is not a valid HTTP header name", "header_name");
    if (isReservedHeader(name))
      throw new FieldError(["headers", name], "is set by Hookline and cannot be overridden", "header_reserved");
    const prefix = value === null ? undefined : reservedPrefixOf(name);
    if (prefix)
      throw new FieldError(
        ["headers", name],
        `starts with "${prefix}", a prefix reserved for the webhook platform and cloud infrastructure`,
        "header_reserved",
      );
    if (value !== null && isHopByHopHeader(name))
      throw new FieldError(
        ["headers", name],
        "is a hop-by-hop or connection header, which applies to one connection and cannot be set per endpoint",
        "header_hop_by_hop",
      );
    if (value !== null && /[\r\n\0]/.test(value))
      throw new FieldError(["headers", name], "must not contain line breaks", "header_value");
  }
}

/**
 * `PATCH …/headers`: a value sets its header, null removes it, and every name in `deleteHeaders`
 * goes too; the endpoint's other headers stay.
 */
export function patchedHeaders(
  current: Record<string, string>,
  changes: Record<string, string | null>,
  deleteHeaders: readonly string[] = [],
): Record<string, string> {
  const headers = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  for (const name of deleteHeaders) delete headers[name];
  return headers;
}
