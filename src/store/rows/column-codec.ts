/**
 * The column types whose stored form differs between the two dialects, read and written one way
 * by the row models in this folder. Everything else (text, integers, times as epoch
 * milliseconds: src/store/postgres/sql.ts parses PostgreSQL's int8 into numbers) reads the same
 * from both drivers, so a table's row interface and its row-to-record mapper are written once.
 */
export interface ColumnCodec {
  /** A JSON column as the driver returns it: SQLite gives its text, PostgreSQL's jsonb is already parsed. */
  json<T>(column: unknown): T | null;
  /** A boolean column as the driver returns it: SQLite stores 0 or 1, PostgreSQL a boolean. */
  flag(column: unknown): boolean;
  /** A boolean as a parameter for a boolean column: 0 or 1 for SQLite (it binds no booleans), itself for PostgreSQL. */
  flagParam(value: boolean): boolean | number;
}

/** A JSON column in a row: text from SQLite, the parsed value from PostgreSQL. */
export type JsonColumn<T> = T | string;

/** A boolean column in a row: 0 or 1 from SQLite, a boolean from PostgreSQL. */
export type FlagColumn = boolean | number;

export const SQLITE_COLUMNS: ColumnCodec = {
  json: <T>(column: unknown): T | null => (column === null ? null : (JSON.parse(column as string) as T)),
  flag: (column) => column === 1,
  flagParam: (value) => (value ? 1 : 0),
};

export const POSTGRES_COLUMNS: ColumnCodec = {
  json: <T>(column: unknown): T | null => (column ?? null) as T | null,
  flag: (column) => column === true,
  flagParam: (value) => value,
};

/** A value as a parameter for a JSON column: its text, which both drivers bind (nullish stays SQL NULL). */
export const jsonParam = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
