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
