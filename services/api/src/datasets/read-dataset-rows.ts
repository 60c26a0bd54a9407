import { z } from 'zod';
import type { Dataset } from '@flow/shared/datasets/dataset-store';
import type { Pool } from '@flow/shared/db/pool';
import { quoteIdent, quoteQualified } from '@flow/shared/db/quote';
import { flowError } from '@flow/shared/errors/catalog';
import { paginationShape } from '../http/pagination.ts';
import { filterClause, type RowFilter } from './row-filters.ts';

export const rowsQuerySchema = z
  .object({
    ...paginationShape,
    /** Column to sort by: a field of the dataset or its generated `id`. Default: the primary key. */
    orderBy: z.string().min(1).max(63).optional(),
    /** Sort direction. Default asc. */
    order: z.enum(['asc', 'desc']).default('asc'),
  })
  .strict();

export type RowsQuery = z.output<typeof rowsQuerySchema>;

export interface DatasetRowsPage {
  rows: Record<string, unknown>[];
  total: number;
  limit: number;
  offset: number;
}

/** Columns of the dataset's table in creation order: the generated `id` first when it exists. */
function tableColumns(dataset: Dataset): string[] {
  const fieldNames = dataset.fields.map((field) => field.name);
  return dataset.primaryKey.includes('id') && !fieldNames.includes('id') ? ['id', ...fieldNames] : fieldNames;
}

/**
 * Reads one page of a dataset's table, keeping the rows that match every filter. numeric and bigint values come back as strings and
 * dates as `YYYY-MM-DD` (the pool's type parsers do that). Rows are ordered by `orderBy` and
 * then by the primary key, so pages do not overlap when `orderBy` has duplicates.
 */
export async function readDatasetRows(pool: Pool, dataset: Dataset, query: RowsQuery, filters: readonly RowFilter[] = []): Promise<DatasetRowsPage> {
  const columns = tableColumns(dataset);
  if (query.orderBy !== undefined && !columns.includes(query.orderBy)) {
    throw flowError(
      'VALIDATION_FAILED',
      `Invalid request query.orderBy: "${query.orderBy}" is not a column of dataset "${dataset.name}"; use one of ${columns.join(', ')}.`,
      { details: { location: 'query', issues: [{ path: 'orderBy', message: `must be one of ${columns.join(', ')}` }] } },
    );
  }

  const direction = query.order === 'desc' ? 'DESC' : 'ASC';
  const orderColumns = [...new Set([...(query.orderBy ? [query.orderBy] : []), ...dataset.primaryKey])];
  const orderClause = orderColumns.map((column) => `${quoteIdent(column)} ${direction}`).join(', ');
  const table = quoteQualified(dataset.schemaName, dataset.tableName);
  const select = columns.map(quoteIdent).join(', ');

  const where = filterClause(dataset, filters, 3);

  const rows = await pool.query<Record<string, unknown>>(`SELECT ${select} FROM ${table}${where.sql} ORDER BY ${orderClause} LIMIT $1 OFFSET $2`, [
    query.limit,
    query.offset,
    ...where.values,
  ]);
  const counted = filterClause(dataset, filters, 1);
  const count = await pool.query<{ total: string }>(`SELECT count(*) AS total FROM ${table}${counted.sql}`, counted.values);
  return { rows: rows.rows, total: Number(count.rows[0]?.total ?? 0), limit: query.limit, offset: query.offset };
}
