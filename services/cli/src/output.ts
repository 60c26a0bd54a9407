/** One column of a table: its heading and how to read the cell from a row. */
export interface Column<Row> {
  heading: string;
  value: (row: Row) => unknown;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Formats rows as a table with space-aligned columns and a heading line. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, index) => Math.max(column.heading.length, ...cells.map((line) => line[index]!.length)));
  const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index]!)).join('  ').trimEnd();
  return [line(columns.map((column) => column.heading)), ...cells.map(line)].join('\n');
}

/** Prints a value as indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as an aligned table, or "(none)" when there are none. */
export function printTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): void {
  process.stdout.write(rows.length === 0 ? '(none)\n' : `${formatTable(rows, columns)}\n`);
}

/** Prints `label: value` pairs with the values aligned. */
export function printFields(fields: ReadonlyArray<[string, unknown]>): void {
  const width = Math.max(...fields.map(([label]) => label.length));
  for (const [label, value] of fields) process.stdout.write(`${`${label}:`.padEnd(width + 2)}${cellText(value)}\n`);
}
