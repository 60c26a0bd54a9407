import { describe, expect, it } from 'vitest';
import { createTableSql, datasetTableName } from '../../src/datasets/dataset-table.ts';
import { datasetFieldSchema, type DatasetField } from '../../src/datasets/field-schema.ts';

function field(input: Record<string, unknown>): DatasetField {
  return datasetFieldSchema.parse(input);
}

describe('datasetTableName', () => {
  it('datasetTableName adds the ds_ prefix', () => {
    expect(datasetTableName('orders')).toBe('ds_orders');
  });
});

describe('createTableSql', () => {
  it('createTableSql uses the natural key', () => {
    const sql = createTableSql('tenant_a', 'ds_orders', [
      field({ name: 'order_id', type: 'bigint', isPrimaryKey: true }),
      field({ name: 'note', type: 'text' }),
    ]);
    expect(sql).toBe('CREATE TABLE "tenant_a"."ds_orders" (\n  "order_id" bigint NOT NULL,\n  "note" text,\n  PRIMARY KEY ("order_id")\n)');
  });

  it('createTableSql omits id with a natural key', () => {
    const sql = createTableSql('s', 't', [field({ name: 'code', type: 'text', isPrimaryKey: true })]);
    expect(sql).not.toContain('"id"');
    expect(sql).not.toContain('bigserial');
  });

  it('createTableSql adds bigserial id without a key', () => {
    const sql = createTableSql('tenant_a', 'ds_events', [field({ name: 'payload', type: 'jsonb' })]);
    expect(sql).toBe('CREATE TABLE "tenant_a"."ds_events" (\n  "id" bigserial,\n  "payload" jsonb,\n  PRIMARY KEY ("id")\n)');
  });

  it('createTableSql joins a composite key', () => {
    const sql = createTableSql('s', 't', [
      field({ name: 'region', type: 'text', isPrimaryKey: true }),
      field({ name: 'sku', type: 'text', isPrimaryKey: true }),
    ]);
    expect(sql).toContain('PRIMARY KEY ("region", "sku")');
  });

  it('createTableSql writes numeric precision and scale', () => {
    const sql = createTableSql('s', 't', [
      field({ name: 'price', type: 'numeric', precision: 10, scale: 2 }),
      field({ name: 'count', type: 'numeric', precision: 6 }),
      field({ name: 'ratio', type: 'numeric' }),
    ]);
    expect(sql).toContain('"price" numeric(10,2)');
    expect(sql).toContain('"count" numeric(6,0)');
    expect(sql).toContain('"ratio" numeric,');
  });

  it('createTableSql marks not-null fields', () => {
    const sql = createTableSql('s', 't', [
      field({ name: 'email', type: 'text', nullable: false }),
      field({ name: 'phone', type: 'text' }),
    ]);
    expect(sql).toContain('"email" text NOT NULL');
    expect(sql).toContain('"phone" text,');
  });

  it('createTableSql rejects a long schema name', () => {
    expect(() => createTableSql('s'.repeat(64), 't', [field({ name: 'a', type: 'text' })])).toThrow('PostgreSQL allows at most 63');
  });
});
