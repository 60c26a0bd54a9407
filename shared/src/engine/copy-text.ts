/** NULL in PostgreSQL's COPY text format. */
export const COPY_NULL = '\\N';

const specialCharacters = /[\\\t\n\r]/;

/**
 * Escapes a value for COPY ... FROM STDIN in text format: backslash, tab, newline and
 * carriage return are written as backslash sequences.
 */
export function escapeCopyText(value: string): string {
  if (!specialCharacters.test(value)) return value;
  let escaped = '';
  for (const character of value) {
    switch (character) {
      case '\\':
        escaped += '\\\\';
        break;
      case '\t':
        escaped += '\\t';
        break;
      case '\n':
        escaped += '\\n';
        break;
      case '\r':
        escaped += '\\r';
        break;
      default:
        escaped += character;
    }
  }
  return escaped;
}
