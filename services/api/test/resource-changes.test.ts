import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteQualified } from '@flow/shared/db/quote';
import { bodyOf, call, createTestTenant, randomName, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';
import { createCustomerDataset, customerIr, insertTestConnector } from './support/fixtures.ts';

describe('schema and pipeline changes', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function createOrders(): Promise<{ id: string; schemaName: string; tableName: string }> {
    const response = await call(harness, tenant, 'POST', '/api/v1/schemas', {
      name: randomName('orders'),
      fields: [
        { name: 'order_id', type: 'bigint', isPrimaryKey: true },
        { name: 'amount', type: 'numeric', precision: 30, scale: 2 },
        { name: 'placed_on', type: 'date' },
        { name: 'paid', type: 'boolean' },
      ],
    });
    expect(response.statusCode, response.body).toBe(201);
    const schema = bodyOf(response).schema;
    const table = quoteQualified(schema.schemaName, schema.tableName);
    await harness.context.pool.query(
      `INSERT INTO ${table} (order_id, amount, placed_on, paid) VALUES
        (1, 10.50, '2026-01-01', true), (2, 99999999999999999999.99, '2026-02-01', false), (3, 7.00, '2026-03-01', true)`,
    );
    return schema;
  }

  it('adds a nullable field as a column', async () => {
    const schema = await createOrders();

    const response = await call(harness, tenant, 'POST', `/api/v1/schemas/${schema.id}/fields`, { name: 'note', type: 'text' });

    expect(response.statusCode, response.body).toBe(201);
    const added = bodyOf(response).schema.fields.at(-1);
    expect(added).toMatchObject({ name: 'note', type: 'text', nullable: true, isPrimaryKey: false });
    const rows = await call(harness, tenant, 'GET', `/api/v1/schemas/${schema.id}/rows?orderBy=order_id`);
    expect(bodyOf(rows).rows[0]).toEqual({ order_id: '1', amount: '10.50', placed_on: '2026-01-01', paid: true, note: null });
  });

  it('rejects a field that already exists', async () => {
    const schema = await createOrders();

    const response = await call(harness, tenant, 'POST', `/api/v1/schemas/${schema.id}/fields`, { name: 'amount', type: 'text' });

    expect(response.statusCode).toBe(409);
    expect(bodyOf(response).error.code).toBe('CONFLICT');
  });

  it('rejects a field with an invalid type', async () => {
    const schema = await createOrders();

    const response = await call(harness, tenant, 'POST', `/api/v1/schemas/${schema.id}/fields`, { name: 'x', type: 'money' });

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details.issues[0].path).toBe('type');
  });

  it('filters rows by equality and range', async () => {
    const schema = await createOrders();
    const rows = async (query: string) => {
      const response = await call(harness, tenant, 'GET', `/api/v1/schemas/${schema.id}/rows?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return bodyOf(response);
    };

    expect((await rows('filter[paid]=true&orderBy=order_id')).rows.map((row: { order_id: string }) => row.order_id)).toEqual(['1', '3']);
    const large = await rows('filter[amount][gt]=100');
    expect(large.rows.map((row: { amount: string }) => row.amount)).toEqual(['99999999999999999999.99']);
    expect(large.total).toBe(1);
    const ranged = await rows('filter[placed_on][gte]=2026-02-01&filter[placed_on][lt]=2026-03-01');
    expect(ranged.rows.map((row: { order_id: string }) => row.order_id)).toEqual(['2']);
    const paged = await rows('orderBy=amount&order=desc&limit=1&offset=1');
    expect(paged.rows.map((row: { order_id: string }) => row.order_id)).toEqual(['1']);
    expect(paged.total).toBe(3);
  });

  it.each([
    ['filter[missing]=1', 'filter[missing]'],
    ['filter[amount]=lots', 'filter[amount]'],
    ['filter[paid][gt]=true', 'filter[paid][gt]'],
    ['filter[order_id][like]=1', 'filter[order_id][like]'],
  ])('rejects row filter %s', async (query, path) => {
    const schema = await createOrders();

    const response = await call(harness, tenant, 'GET', `/api/v1/schemas/${schema.id}/rows?${query}`);

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.code).toBe('VALIDATION_FAILED');
    expect(bodyOf(response).error.details.issues[0].path).toBe(path);
  });

  it('deletes an unused schema and drops its table', async () => {
    const schema = await createOrders();

    const response = await call(harness, tenant, 'DELETE', `/api/v1/schemas/${schema.id}`);

    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(response)).toEqual({ deleted: true, id: schema.id });
    expect((await call(harness, tenant, 'GET', `/api/v1/schemas/${schema.id}`)).statusCode).toBe(404);
    const table = await harness.context.pool.query('SELECT to_regclass($1) AS name', [quoteQualified(schema.schemaName, schema.tableName)]);
    expect(table.rows[0].name).toBeNull();
  });

  it('rejects deleting a schema in use', async () => {
    const connectorId = await insertTestConnector(harness, tenant);
    const dataset = await createCustomerDataset(harness, tenant);
    const name = randomName('loader');
    const created = await call(harness, tenant, 'POST', '/api/v1/pipelines', { name, ir: customerIr(connectorId, dataset.id) });
    expect(created.statusCode).toBe(201);

    const response = await call(harness, tenant, 'DELETE', `/api/v1/schemas/${dataset.id}`);

    expect(response.statusCode).toBe(409);
    expect(bodyOf(response).error.message).toContain(`"${name}"`);
    expect(bodyOf(response).error.details.pipelines).toEqual([{ id: bodyOf(created).pipeline.id, name }]);
  });

  it('renames a pipeline and changes its binding', async () => {
    const connectorId = await insertTestConnector(harness, tenant);
    const dataset = await createCustomerDataset(harness, tenant);
    const created = await call(harness, tenant, 'POST', '/api/v1/pipelines', { name: randomName('before'), ir: customerIr(connectorId, dataset.id) });
    const id = bodyOf(created).pipeline.id;
    const name = randomName('after');

    const response = await call(harness, tenant, 'PATCH', `/api/v1/pipelines/${id}`, {
      name,
      description: 'nightly customers',
      binding: { keyPrefix: 'landing/customers/' },
    });

    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(response).irVersion).toBe(2);
    expect(bodyOf(response).pipeline).toMatchObject({ name, description: 'nightly customers', sourcePrefix: 'landing/customers/', currentIrVersion: 2 });
    const ir = bodyOf(await call(harness, tenant, 'GET', `/api/v1/pipelines/${id}/ir`));
    expect(ir.ir.nodes[0].keyPrefix).toBe('landing/customers/');

    const cleared = await call(harness, tenant, 'PATCH', `/api/v1/pipelines/${id}`, { description: null });
    expect(bodyOf(cleared).pipeline.description).toBeNull();
    expect(bodyOf(cleared).irVersion).toBe(2);
  });

  it('rejects an empty or conflicting pipeline patch', async () => {
    const connectorId = await insertTestConnector(harness, tenant);
    const dataset = await createCustomerDataset(harness, tenant);
    const first = bodyOf(await call(harness, tenant, 'POST', '/api/v1/pipelines', { name: randomName('one'), ir: customerIr(connectorId, dataset.id) }));
    const second = bodyOf(await call(harness, tenant, 'POST', '/api/v1/pipelines', { name: randomName('two'), ir: customerIr(connectorId, dataset.id) }));

    const empty = await call(harness, tenant, 'PATCH', `/api/v1/pipelines/${first.pipeline.id}`, {});
    expect(empty.statusCode).toBe(400);
    const duplicate = await call(harness, tenant, 'PATCH', `/api/v1/pipelines/${first.pipeline.id}`, { name: second.pipeline.name });
    expect(duplicate.statusCode).toBe(409);
    expect(bodyOf(duplicate).error.code).toBe('CONFLICT');
  });

  it('rejects deleting a pipeline while queued', async () => {
    const connectorId = await insertTestConnector(harness, tenant);
    const dataset = await createCustomerDataset(harness, tenant);
    const id = bodyOf(await call(harness, tenant, 'POST', '/api/v1/pipelines', { name: randomName('busy'), ir: customerIr(connectorId, dataset.id) })).pipeline.id;
    const run = bodyOf(await call(harness, tenant, 'POST', `/api/v1/pipelines/${id}/run`));

    const rejected = await call(harness, tenant, 'DELETE', `/api/v1/pipelines/${id}`);
    expect(rejected.statusCode).toBe(409);
    expect(bodyOf(rejected).error.details.runs).toEqual([{ id: run.runId, status: 'queued' }]);

    // No runner consumes requests in this file, so end the run by hand.
    await harness.context.pool.query(`UPDATE flow.runs SET status = 'failed', finished_at = now() WHERE id = $1`, [run.runId]);
    const deleted = await call(harness, tenant, 'DELETE', `/api/v1/pipelines/${id}`);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect((await call(harness, tenant, 'GET', `/api/v1/pipelines/${id}`)).statusCode).toBe(404);
    expect((await call(harness, tenant, 'GET', `/api/v1/runs/${run.runId}`)).statusCode).toBe(404);
  });
});
