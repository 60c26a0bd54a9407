import { describe, expect, it } from 'vitest';
import { datasetFieldSchema, datasetFieldsSchema, primaryKeyOf, sqlType } from '../../src/datasets/field-schema.ts';

/** Returns the messages of a failed parse, or an empty list when it succeeds. */
function fieldIssues(input: unknown): string[] {
  const result = datasetFieldSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

function fieldsIssues(input: unknown): { path: PropertyKey[]; message: string }[] {
  const result = datasetFieldsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
}

describe('datasetFieldSchema', () => {
  it('datasetFieldSchema fills defaults', () => {
    expect(datasetFieldSchema.parse({ name: 'city', type: 'text' })).toEqual({
      name: 'city',
      type: 'text',
      isPrimaryKey: false,
      nullable: true,
    });
  });

  it('datasetFieldSchema accepts scale equal to precision', () => {
    expect(fieldIssues({ name: 'share', type: 'numeric', precision: 3, scale: 3 })).toEqual([]);
  });

  it('datasetFieldSchema rejects scale above precision', () => {
    expect(fieldIssues({ name: 'price', type: 'numeric', precision: 4, scale: 5 })).toEqual(['scale 5 is larger than precision 4']);
  });

  it('datasetFieldSchema rejects scale without precision', () => {
    expect(fieldIssues({ name: 'price', type: 'numeric', scale: 2 })).toEqual(['scale needs precision']);
  });

  it('datasetFieldSchema rejects precision on text', () => {
    expect(fieldIssues({ name: 'city', type: 'text', precision: 5 })).toEqual(['precision and scale apply only to numeric fields, not text']);
  });

  it('datasetFieldSchema rejects upper-case names', () => {
    expect(fieldIssues({ name: 'City', type: 'text' })).toEqual([
      'must be lower-case letters, digits and underscores, starting with a letter or underscore',
    ]);
  });

  it('datasetFieldSchema rejects unknown keys', () => {
    expect(fieldIssues({ name: 'city', type: 'text', unique: true })).toHaveLength(1);
  });

  it('datasetFieldSchema rejects unknown types', () => {
    expect(fieldIssues({ name: 'city', type: 'varchar' })).toHaveLength(1);
  });
});

describe('datasetFieldsSchema', () => {
  it('datasetFieldsSchema rejects duplicate names', () => {
    expect(fieldsIssues([
      { name: 'city', type: 'text' },
      { name: 'city', type: 'integer' },
    ])).toEqual([{ path: [1, 'name'], message: 'field "city" is declared twice' }]);
  });

  it('datasetFieldsSchema rejects id without a key', () => {
    expect(fieldsIssues([{ name: 'id', type: 'bigint' }, { name: 'city', type: 'text' }])).toEqual([
      { path: [0, 'name'], message: 'field "id" collides with the generated "id bigserial" key; mark a primary key or rename the field' },
    ]);
  });

  it('datasetFieldsSchema accepts id with a key', () => {
    expect(fieldsIssues([{ name: 'id', type: 'bigint', isPrimaryKey: true }])).toEqual([]);
    expect(fieldsIssues([{ name: 'id', type: 'text' }, { name: 'code', type: 'text', isPrimaryKey: true }])).toEqual([]);
  });

  it('datasetFieldsSchema rejects an empty list', () => {
    expect(fieldsIssues([])).toEqual([{ path: [], message: 'a dataset needs at least one field' }]);
  });
});

describe('sqlType', () => {
  it('sqlType writes numeric precision and scale', () => {
    expect(sqlType({ type: 'numeric', precision: 12, scale: 4 })).toBe('numeric(12,4)');
    expect(sqlType({ type: 'numeric', precision: 12 })).toBe('numeric(12,0)');
    expect(sqlType({ type: 'numeric' })).toBe('numeric');
  });

  it('sqlType returns other types by name', () => {
    expect(sqlType({ type: 'timestamptz' })).toBe('timestamptz');
    expect(sqlType({ type: 'jsonb' })).toBe('jsonb');
  });
});

describe('primaryKeyOf', () => {
  it('primaryKeyOf returns marked fields in order', () => {
    const fields = datasetFieldsSchema.parse([
      { name: 'b', type: 'text', isPrimaryKey: true },
      { name: 'c', type: 'text' },
      { name: 'a', type: 'text', isPrimaryKey: true },
    ]);
    expect(primaryKeyOf(fields)).toEqual(['b', 'a']);
  });

  it('primaryKeyOf falls back to id', () => {
    expect(primaryKeyOf(datasetFieldsSchema.parse([{ name: 'c', type: 'text' }]))).toEqual(['id']);
  });
});
