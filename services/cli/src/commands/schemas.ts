import type { Command } from 'commander';
import { apiTargetFromEnvironment, callApi } from '../api-client.ts';
import { printFields, printJson, printTable, type Column } from '../output.ts';
import { readJsonFile } from '../read-json-file.ts';
import { UsageError } from '../usage-error.ts';

interface FieldView {
  name: string;
  type: string;
  precision?: number;
  scale?: number;
  isPrimaryKey: boolean;
  nullable: boolean;
}

interface SchemaView {
  id: string;
  name: string;
  schemaName: string;
  tableName: string;
  fields: FieldView[];
  primaryKey: string[];
  createdAt: string;
}

const schemaColumns: Column<SchemaView>[] = [
  { heading: 'ID', value: (row) => row.id },
  { heading: 'NAME', value: (row) => row.name },
  { heading: 'TABLE', value: (row) => `${row.schemaName}.${row.tableName}` },
  { heading: 'FIELDS', value: (row) => row.fields.length },
  { heading: 'PRIMARY KEY', value: (row) => row.primaryKey.join(', ') },
];

/** Parses `--limit`, a whole number from 1 to 500. */
export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError(`Invalid --limit "${text}": expected a whole number from 1 to 500.`);
  return limit;
}

/** Registers `flow schemas list|get|create|rows`, which call the API. */
export function registerSchemaCommands(program: Command): void {
  const schemas = program.command('schemas').description('Manage datasets (schemas) and read their rows through the API');

  schemas
    .command('list')
    .description('List the tenant\'s datasets')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await callApi<{ schemas: SchemaView[] }>(apiTargetFromEnvironment(), 'GET', '/schemas', { query: { limit: 500 } });
      if (options.json) return printJson(result);
      printTable(result.schemas, schemaColumns);
    });

  schemas
    .command('get')
    .description('Print a dataset and its fields')
    .argument('<id>', 'dataset id')
    .option('--json', 'print the API response as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await callApi<{ schema: SchemaView }>(apiTargetFromEnvironment(), 'GET', `/schemas/${encodeURIComponent(id)}`);
      if (options.json) return printJson(result);
      printFields([
        ['id', result.schema.id],
        ['name', result.schema.name],
        ['table', `${result.schema.schemaName}.${result.schema.tableName}`],
        ['primary key', result.schema.primaryKey.join(', ')],
      ]);
      process.stdout.write('\n');
      printTable(result.schema.fields, [
        { heading: 'FIELD', value: (field) => field.name },
        { heading: 'TYPE', value: (field) => (field.precision === undefined ? field.type : `${field.type}(${field.precision},${field.scale ?? 0})`) },
        { heading: 'KEY', value: (field) => (field.isPrimaryKey ? 'yes' : '') },
        { heading: 'NULLABLE', value: (field) => (field.nullable ? 'yes' : 'no') },
      ]);
    });

  schemas
    .command('create')
    .description('Create a dataset and its table ds_<name> from a JSON file of fields')
    .requiredOption('--name <name>', 'dataset name: lower-case letters, digits and underscores')
    .requiredOption('--file <path>', 'JSON file with an array of fields ({ name, type, isPrimaryKey?, nullable?, precision?, scale? })')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { name: string; file: string; json?: boolean }) => {
      const fields = await readJsonFile(options.file, '--file');
      const result = await callApi<{ schema: SchemaView }>(apiTargetFromEnvironment(), 'POST', '/schemas', { body: { name: options.name, fields } });
      if (options.json) return printJson(result);
      process.stdout.write(`Created dataset "${result.schema.name}" (id ${result.schema.id}), table ${result.schema.schemaName}.${result.schema.tableName}.\n`);
    });

  schemas
    .command('rows')
    .description('Print rows of a dataset; numeric and bigint values print exactly as stored')
    .argument('<id>', 'dataset id')
    .option('--limit <n>', 'rows to print, 1 to 500', '50')
    .option('--offset <n>', 'rows to skip first', '0')
    .option('--filter <field=value...>', 'keep rows whose field equals value; repeat for more fields')
    .option('--json', 'print the API response as JSON')
    .action(async (id: string, options: { limit: string; offset: string; filter?: string[]; json?: boolean }) => {
      const query: Record<string, string | number> = { limit: parseLimit(options.limit), offset: options.offset };
      for (const filter of options.filter ?? []) {
        const separator = filter.indexOf('=');
        if (separator < 1) throw new UsageError(`Invalid --filter "${filter}": expected field=value.`);
        query[`filter[${filter.slice(0, separator)}]`] = filter.slice(separator + 1);
      }
      const result = await callApi<{ rows: Record<string, unknown>[]; total: number }>(apiTargetFromEnvironment(), 'GET', `/schemas/${encodeURIComponent(id)}/rows`, {
        query,
      });
      if (options.json) return printJson(result);
      const names = Object.keys(result.rows[0] ?? {});
      printTable(result.rows, names.map((name) => ({ heading: name, value: (row: Record<string, unknown>) => row[name] })));
      process.stdout.write(`${result.rows.length} of ${result.total} rows\n`);
    });
}
