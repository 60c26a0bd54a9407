import { quoteIdent, quoteQualified } from '../db/quote.ts';
import { primaryKeyOf, sqlType, type DatasetField } from './field-schema.ts';

/** Table name of a dataset: the dataset name with a `ds_` prefix. */
export function datasetTableName(datasetName: string): string {
  return `ds_${datasetName}`;
}

/**
 * CREATE TABLE for a dataset. Fields marked `isPrimaryKey` form the primary key and no
 * surrogate column exists; otherwise the table gets `id bigserial primary key`.
 */
export function createTableSql(schemaName: string, tableName: string, fields: readonly DatasetField[]): string {
  const keyColumns = primaryKeyOf(fields);
  const hasNaturalKey = fields.some((field) => field.isPrimaryKey);
  const columns = fields.map((field) => {
    const notNull = field.isPrimaryKey || !field.nullable ? ' NOT NULL' : '';
    return `${quoteIdent(field.name)} ${sqlType(field)}${notNull}`;
  });
  if (!hasNaturalKey) columns.unshift(`${quoteIdent('id')} bigserial`);
  columns.push(`PRIMARY KEY (${keyColumns.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE ${quoteQualified(schemaName, tableName)} (\n  ${columns.join(',\n  ')}\n)`;
}
