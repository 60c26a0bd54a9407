/** PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * Quotes one SQL identifier. Every table, schema and column name that reaches SQL goes
 * through this function; it rejects names PostgreSQL would silently truncate.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('SQL identifier must not be empty.');
  if (name.includes('\u0000')) throw new Error(`SQL identifier ${JSON.stringify(name)} contains a NUL byte.`);
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new Error(
      `SQL identifier "${name}" is ${Buffer.byteLength(name, 'utf8')} bytes; PostgreSQL allows at most ${MAX_IDENTIFIER_BYTES}. Choose a shorter name.`,
    );
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes `schema.table`. */
export function quoteQualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
