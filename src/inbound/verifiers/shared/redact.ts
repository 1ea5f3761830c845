/**
 * The config as the API shows it: every field except the secret ones, and for each secret field
 * `has<Field>: boolean`, so an operator can see that a fallback is still set without seeing it.
 */
export function redactSecrets(config: Record<string, unknown> | null | undefined, secretFields: readonly string[]) {
  const shown: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(config ?? {})) {
    if (!secretFields.includes(field)) shown[field] = value;
  }
  for (const field of secretFields) {
    const value = config?.[field];
    shown[`has${field[0]!.toUpperCase()}${field.slice(1)}`] = typeof value === "string" && value !== "";
  }
  return shown;
}
