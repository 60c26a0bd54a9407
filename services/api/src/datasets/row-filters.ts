import type { Dataset } from '@flow/shared/datasets/dataset-store';
import type { FieldType } from '@flow/shared/datasets/field-schema';
import { quoteIdent } from '@flow/shared/db/quote';
import { flowError } from '@flow/shared/errors/catalog';

export const filterOperators = ['eq', 'gt', 'gte', 'lt', 'lte'] as const;
export type FilterOperator = (typeof filterOperators)[number];

/** One `filter[field]=value` or `filter[field][op]=value` query parameter, checked against the dataset. */
export interface RowFilter {
  field: string;
  operator: FilterOperator;
  value: string;
}

const sqlOperators: Record<FilterOperator, string> = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** Pattern of a filter parameter name: `filter[<field>]` or `filter[<field>][<op>]`. */
const filterKey = /^filter\[([^\]]+)\](?:\[([^\]]+)\])?$/;

const valuePatterns: Partial<Record<FieldType, { pattern: RegExp; expected: string }>> = {
  integer: { pattern: /^-?\d{1,10}$/, expected: 'an integer' },
  bigint: { pattern: /^-?\d{1,19}$/, expected: 'an integer' },
  numeric: { pattern: /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/, expected: 'a decimal number' },
  boolean: { pattern: /^(true|false)$/, expected: 'true or false' },
  date: { pattern: /^\d{4}-\d{2}-\d{2}$/, expected: 'a date YYYY-MM-DD' },
  timestamptz: { pattern: /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/, expected: 'an ISO 8601 timestamp' },
};

function invalidFilter(key: string, message: string) {
  return flowError('VALIDATION_FAILED', `Invalid request query.${key}: ${message}.`, {
    details: { location: 'query', issues: [{ path: key, message }] },
  });
}

/** Splits a query into its `filter[...]` parameters and the rest. */
export function splitFilterParameters(query: unknown): { filters: Array<[string, unknown]>; rest: Record<string, unknown> } {
  const filters: Array<[string, unknown]> = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (key.startsWith('filter[')) filters.push([key, value]);
    else rest[key] = value;
  }
  return { filters, rest };
}

/**
 * Checks filter parameters against the dataset's fields and types: the field must exist,
 * the value must parse as the field's type, and range operators need an ordered type.
 * Throws VALIDATION_FAILED naming the parameter at fault.
 */
export function parseRowFilters(dataset: Dataset, parameters: Array<[string, unknown]>): RowFilter[] {
  const fields = new Map(dataset.fields.map((field) => [field.name, field.type]));
  if (dataset.primaryKey.includes('id') && !fields.has('id')) fields.set('id', 'bigint');

  return parameters.map(([key, raw]) => {
    const match = filterKey.exec(key);
    if (!match) throw invalidFilter(key, 'filter parameters are filter[<field>]=<value> or filter[<field>][gt|gte|lt|lte|eq]=<value>');
    const [, field = '', operatorName = 'eq'] = match;
    if (typeof raw !== 'string') throw invalidFilter(key, 'give the parameter once, with one value');

    const type = fields.get(field);
    if (!type) throw invalidFilter(key, `"${field}" is not a column of dataset "${dataset.name}"; use one of ${[...fields.keys()].join(', ')}`);
    if (!(filterOperators as readonly string[]).includes(operatorName)) {
      throw invalidFilter(key, `unknown operator "${operatorName}"; use one of ${filterOperators.join(', ')}`);
    }
    const operator = operatorName as FilterOperator;
    if (operator !== 'eq' && (type === 'boolean' || type === 'jsonb')) {
      throw invalidFilter(key, `${type} column "${field}" supports only equality`);
    }
    const rule = valuePatterns[type];
    if (rule && !rule.pattern.test(raw)) throw invalidFilter(key, `${JSON.stringify(raw)} is not ${rule.expected}, the type of column "${field}"`);
    if (type === 'jsonb') {
      try {
        JSON.parse(raw);
      } catch {
        throw invalidFilter(key, `${JSON.stringify(raw)} is not JSON, the type of column "${field}"`);
      }
    }
    return { field, operator, value: raw };
  });
}

/** Builds the WHERE clause of the filters, with parameters numbered from `firstParameter`. */
export function filterClause(dataset: Dataset, filters: readonly RowFilter[], firstParameter: number): { sql: string; values: string[] } {
  if (filters.length === 0) return { sql: '', values: [] };
  const types = new Map(dataset.fields.map((field) => [field.name, field.type]));
  const conditions = filters.map((filter, index) => {
    const type = types.get(filter.field) ?? 'bigint';
    return `${quoteIdent(filter.field)} ${sqlOperators[filter.operator]} $${firstParameter + index}::${type}`;
  });
  return { sql: ` WHERE ${conditions.join(' AND ')}`, values: filters.map((filter) => filter.value) };
}
