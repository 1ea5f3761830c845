import { FieldError } from "../core/errors.ts";
import { isHopByHopHeader, isReservedHeader } from "../delivery/webhook-request.ts";

/**
 * Header names whose values `GET …/headers` never returns: Svix's set (`authorization`,
 * `proxy-authorization`, `www-authenticate`, `proxy-authenticate`, `x-auth-token`) plus `cookie`,
 * compared case-insensitively. The split is how the API shows headers, not what protects them:
 * every value is sealed at rest and left out of the attempt log whatever its name (docs/api.md).
 */
const SENSITIVE = new Set([
  "authorization",
  "proxy-authorization",
  "www-authenticate",
  "proxy-authenticate",
  "x-auth-token",
  "cookie",
]);

export const isSensitiveHeader = (name: string): boolean => SENSITIVE.has(name.toLowerCase());

/** Svix's EndpointHeadersOut: the values of the ordinary headers, and only the names of sensitive ones. */
export function endpointHeadersOut(stored: Record<string, string>): {
  headers: Record<string, string>;
  sensitive: string[];
} {
  const headers: Record<string, string> = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(stored)) {
    if (isSensitiveHeader(name)) sensitive.push(name);
    else headers[name] = value;
  }
  return { headers, sensitive };
}

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
