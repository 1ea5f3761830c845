/**
 * A dialect's way of binding a value into a statement being built: it records the value and
 * returns the placeholder that stands for it (`?` in SQLite, `$n` in PostgreSQL). Conditions are
 * built in the order they appear in the SQL text, so SQLite's positional `?` line up.
 */
export type Bind = (value: unknown) => string;

/** Binds into `params` with SQLite's positional `?`. */
export const positional =
  (params: unknown[]): Bind =>
  (value) => {
    params.push(value);
    return "?";
  };
