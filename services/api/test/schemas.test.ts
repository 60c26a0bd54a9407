import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteQualified } from '@flow/shared/db/quote';
import { bodyOf, call, createTestTenant, randomName, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';

interface ColumnInfo {
  column_name: string;
  data_type: string;
  column_default: string | null;
}

async function columnsOf(harness: ApiHarness, schema: string, table: string): Promise<ColumnInfo[]> {
  const result = await harness.context.pool.query<ColumnInfo>(
    `SELECT column_name, data_type, column_default FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return result.rows;
}

async function primaryKeyColumns(harness: ApiHarness, schema: string, table: string): Promise<string[]> {
  const result = await harness.context.pool.query<{ column_name: string }>(
    `SELECT kcu.column_name
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu
         ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
      WHERE tc.table_schema = $1 AND tc.table_name = $2 AND tc.constraint_type = 'PRIMARY KEY'
      ORDER BY kcu.ordinal_position`,
    [schema, table],
  );
  return result.rows.map((row) => row.column_name);
}

describe('schemas', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('uses the marked field as primary key', async () => {
    const name = randomName('customer');
    const response = await call(harness, tenant, 'POST', '/api/v1/schemas', {
      name,
      fields: [
        { name: 'customer_id', type: 'text', isPrimaryKey: true },
        { name: 'email', type: 'text' },
        { name: 'lifetime_value', type: 'numeric', precision: 12, scale: 2 },
      ],
    });

    expect(response.statusCode).toBe(201);
    const schema = bodyOf(response).schema;
    expect(schema.name).toBe(name);
    expect(schema.tableName).toBe(`ds_${name}`);
    expect(schema.schemaName).toBe(tenant.schemaName);
    expect(schema.primaryKey).toEqual(['customer_id']);

    const columns = await columnsOf(harness, tenant.schemaName, `ds_${name}`);
    expect(columns.map((column) => column.column_name)).toEqual(['customer_id', 'email', 'lifetime_value']);
    expect(await primaryKeyColumns(harness, tenant.schemaName, `ds_${name}`)).toEqual(['customer_id']);
  });

  it('adds an id bigserial key when no field is marked', async () => {
    const name = randomName('event');
    const response = await call(harness, tenant, 'POST', '/api/v1/schemas', {
      name,
      fields: [
        { name: 'kind', type: 'text' },
        { name: 'happened_at', type: 'timestamptz' },
      ],
    });

    expect(response.statusCode).toBe(201);
    expect(bodyOf(response).schema.primaryKey).toEqual(['id']);

    const columns = await columnsOf(harness, tenant.schemaName, `ds_${name}`);
    expect(columns.map((column) => column.column_name)).toEqual(['id', 'kind', 'happened_at']);
    expect(columns[0]?.data_type).toBe('bigint');
    expect(columns[0]?.column_default).toMatch(/^nextval\(/);
    expect(await primaryKeyColumns(harness, tenant.schemaName, `ds_${name}`)).toEqual(['id']);
  });

  it('rejects a duplicate dataset name with 409', async () => {
    const name = randomName('twice');
    const body = { name, fields: [{ name: 'code', type: 'text', isPrimaryKey: true }] };
    expect((await call(harness, tenant, 'POST', '/api/v1/schemas', body)).statusCode).toBe(201);

    const second = await call(harness, tenant, 'POST', '/api/v1/schemas', body);
    expect(second.statusCode).toBe(409);
    expect(bodyOf(second).error.code).toBe('CONFLICT');
  });

  it('lists and gets schemas with pagination', async () => {
    const own = await createTestTenant(harness);
    const names = [randomName('a'), randomName('b'), randomName('c')];
    const ids: string[] = [];
    for (const name of names) {
      const created = await call(harness, own, 'POST', '/api/v1/schemas', { name, fields: [{ name: 'code', type: 'text' }] });
      ids.push(bodyOf(created).schema.id);
    }

    const page = await call(harness, own, 'GET', '/api/v1/schemas?limit=2&offset=1');
    expect(page.statusCode).toBe(200);
    expect(bodyOf(page).limit).toBe(2);
    expect(bodyOf(page).offset).toBe(1);
    expect(bodyOf(page).schemas.map((schema: { name: string }) => schema.name)).toEqual(names.slice(1));

    const fetched = await call(harness, own, 'GET', `/api/v1/schemas/${ids[0]}`);
    expect(fetched.statusCode).toBe(200);
    expect(bodyOf(fetched).schema.name).toBe(names[0]);
  });

  describe('rows', () => {
    let datasetId: string;
    let table: string;

    beforeAll(async () => {
      const name = randomName('account');
      const created = await call(harness, tenant, 'POST', '/api/v1/schemas', {
        name,
        fields: [
          { name: 'account_id', type: 'bigint', isPrimaryKey: true },
          { name: 'balance', type: 'numeric', precision: 38, scale: 10 },
          { name: 'opened_on', type: 'date' },
          { name: 'owner', type: 'text' },
        ],
      });
      expect(created.statusCode).toBe(201);
      datasetId = bodyOf(created).schema.id;
      table = quoteQualified(tenant.schemaName, `ds_${name}`);

      await harness.context.pool.query(
        `INSERT INTO ${table} (account_id, balance, opened_on, owner) VALUES
           (9007199254740993, 1234567890123456789012345678.0123456789, '2026-02-28', 'carol'),
           (2, -0.0000000001, '1999-12-31', 'alice'),
           (1, 0.1000000000, '2024-02-29', 'bob')`,
      );
    });

    it('returns bigint and numeric(38,10) exactly', async () => {
      const response = await call(harness, tenant, 'GET', `/api/v1/schemas/${datasetId}/rows`);

      expect(response.statusCode).toBe(200);
      const page = bodyOf(response);
      expect(page.total).toBe(3);
      expect(page.limit).toBe(50);
      expect(page.offset).toBe(0);
      expect(page.rows).toEqual([
        { account_id: '1', balance: '0.1000000000', opened_on: '2024-02-29', owner: 'bob' },
        { account_id: '2', balance: '-0.0000000001', opened_on: '1999-12-31', owner: 'alice' },
        { account_id: '9007199254740993', balance: '1234567890123456789012345678.0123456789', opened_on: '2026-02-28', owner: 'carol' },
      ]);
      // The raw JSON text carries the digits as strings, not as numbers JSON.parse would round.
      expect(response.body).toContain('"account_id":"9007199254740993"');
    });

    it('orders by a field and pages', async () => {
      const response = await call(harness, tenant, 'GET', `/api/v1/schemas/${datasetId}/rows?orderBy=owner&order=desc&limit=2&offset=1`);

      expect(response.statusCode).toBe(200);
      expect(bodyOf(response).rows.map((row: { owner: string }) => row.owner)).toEqual(['bob', 'alice']);
      expect(bodyOf(response).total).toBe(3);
    });

    it('rejects orderBy that is not a field', async () => {
      const response = await call(harness, tenant, 'GET', `/api/v1/schemas/${datasetId}/rows?orderBy=password`);

      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).error.code).toBe('VALIDATION_FAILED');
      expect(bodyOf(response).error.details.issues[0].path).toBe('orderBy');
    });
  });
});
