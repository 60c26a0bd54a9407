import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@flow/shared/errors/catalog';
import { bodyOf, call, createTestTenant, randomName, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';
import { createCustomerDataset, customerIr, insertTestConnector } from './support/fixtures.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Json = Record<string, any>;

interface Recorded {
  method: Method;
  url: string;
  status: number;
  body: unknown;
}

const missing = '00000000-0000-4000-8000-000000000000';

describe('OpenAPI document', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;
  let document: Json;
  const recorded: Recorded[] = [];

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
    document = bodyOf(await harness.app.inject({ method: 'GET', url: '/api/v1/openapi.json' }));
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function send(method: Method, url: string, body?: unknown, as: TestTenant | undefined = tenant) {
    const response = await call(harness, as, method, url, body);
    recorded.push({ method, url, status: response.statusCode, body: response.json() });
    return response;
  }

  /** Finds the documented operation whose path template matches the URL. */
  function operationFor(method: Method, url: string): { template: string; operation: Json } | undefined {
    const path = url.split('?')[0]!;
    for (const [template, operations] of Object.entries(document.paths as Record<string, Json>)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      const operation = operations[method.toLowerCase()];
      if (pattern.test(path) && operation) return { template, operation };
    }
    return undefined;
  }

  it('lists every catalog code in the error schema', () => {
    const error = document.components.schemas.Error;
    expect([...error.properties.error.properties.code.enum].sort()).toEqual(Object.keys(ErrorCode).sort());
    for (const [code, entry] of Object.entries(ErrorCode)) expect(error.description).toContain(`\`${code}\` (${entry.status})`);
  });

  it('matches real responses of every resource', async () => {
    const connectorId = await insertTestConnector(harness, tenant);
    const dataset = await createCustomerDataset(harness, tenant);

    // Success paths.
    await send('GET', '/api/v1/connectors');
    await send('GET', `/api/v1/connectors/${connectorId}`);
    await send('POST', '/api/v1/connectors', { name: randomName('ftp'), type: 'ftp' });
    const schema = bodyOf(await send('POST', '/api/v1/schemas', { name: randomName('events'), fields: [{ name: 'event_id', type: 'bigint', isPrimaryKey: true }] })).schema;
    await send('GET', '/api/v1/schemas');
    await send('GET', `/api/v1/schemas/${schema.id}`);
    await send('POST', `/api/v1/schemas/${schema.id}/fields`, { name: 'amount', type: 'numeric', precision: 12, scale: 2 });
    await send('GET', `/api/v1/schemas/${schema.id}/rows?filter[amount][gte]=1`);
    const pipeline = bodyOf(await send('POST', '/api/v1/pipelines', { name: randomName('flow'), ir: customerIr(connectorId, dataset.id) })).pipeline;
    await send('GET', '/api/v1/pipelines');
    await send('GET', `/api/v1/pipelines/${pipeline.id}`);
    await send('PATCH', `/api/v1/pipelines/${pipeline.id}`, { description: 'described' });
    await send('GET', `/api/v1/pipelines/${pipeline.id}/ir`);
    await send('POST', `/api/v1/pipelines/${pipeline.id}/ir`, { ir: customerIr(connectorId, dataset.id) });
    await send('GET', `/api/v1/pipelines/${pipeline.id}/ir/versions`);
    const run = bodyOf(await send('POST', `/api/v1/pipelines/${pipeline.id}/run`));
    await send('GET', `/api/v1/pipelines/${pipeline.id}/runs`);
    await send('GET', `/api/v1/runs/${run.runId}`);
    await send('GET', `/api/v1/runs/${run.runId}/dead-letter`);
    await send('GET', `/api/v1/runs/${run.runId}/lineage`);
    await send('GET', `/api/v1/lineage?dataset=${dataset.id}`);
    const key = bodyOf(await send('POST', '/api/v1/api-keys', { name: 'docs' }));
    await send('GET', '/api/v1/api-keys');
    await send('DELETE', `/api/v1/api-keys/${key.apiKey.id}`);
    await send('GET', '/api/v1/whoami');
    await send('DELETE', `/api/v1/schemas/${schema.id}`);

    // Error paths.
    await send('GET', '/api/v1/connectors', undefined, undefined);
    await send('GET', `/api/v1/connectors/${missing}`);
    await send('GET', `/api/v1/schemas/${missing}`);
    await send('GET', `/api/v1/schemas/${dataset.id}/rows?filter[nope]=1`);
    await send('DELETE', `/api/v1/schemas/${dataset.id}`);
    await send('POST', '/api/v1/pipelines', { name: randomName('bad'), ir: { irVersion: '2.0' } });
    await send('PATCH', `/api/v1/pipelines/${missing}`, { name: 'x' });
    await send('DELETE', `/api/v1/pipelines/${pipeline.id}`);
    await send('GET', `/api/v1/runs/${missing}/lineage`);
    await send('GET', '/api/v1/lineage');
    await send('DELETE', `/api/v1/api-keys/${missing}`);
    await harness.context.pool.query(`UPDATE flow.runs SET status = 'failed', finished_at = now() WHERE id = $1`, [run.runId]);
    await send('DELETE', `/api/v1/pipelines/${pipeline.id}`);

    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'flow-openapi', components: document.components }, 'flow-openapi');
    expect(recorded.some((entry) => entry.status >= 400)).toBe(true);
    expect(recorded.some((entry) => entry.status < 300)).toBe(true);

    for (const entry of recorded) {
      const label = `${entry.method} ${entry.url} -> ${entry.status}`;
      const found = operationFor(entry.method, entry.url);
      expect(found, `${label} is not documented`).toBeDefined();
      const responses = found!.operation.responses as Json;
      const declared = responses[String(entry.status)] ?? responses[`${String(entry.status)[0]}XX`];
      expect(declared, `${label} has no declared response`).toBeDefined();
      const schema = declared.content['application/json'].schema as Json;
      // Local references point into the document's components.
      const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"flow-openapi#/components/'));
      if (entry.status < 300) expect(resolved.type === 'object' && Object.keys(resolved).length === 1, `${label} has only a generic schema`).toBe(false);
      const validate = ajv.compile(resolved);
      expect(validate(entry.body), `${label}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
});
