import { insertConnector } from '@flow/shared/connectors/connector-store';
import { createDataset, type Dataset } from '@flow/shared/datasets/dataset-store';
import type { ApiHarness, TestTenant } from './api-harness.ts';
import { randomName } from './api-harness.ts';

/** Stores an S3 connector directly, without verification, for tests that only need its id. */
export async function insertTestConnector(harness: ApiHarness, tenant: TestTenant): Promise<string> {
  const connector = await insertConnector(harness.context.pool, harness.context.config, {
    tenantId: tenant.id,
    name: randomName('conn'),
    type: 's3',
    settings: { authMethod: 'default', bucket: 'unused-bucket' },
    secrets: {},
    verified: false,
  });
  return connector.id;
}

/** Creates a `customers` style dataset keyed on customer_id. */
export async function createCustomerDataset(harness: ApiHarness, tenant: TestTenant): Promise<Dataset> {
  return createDataset(harness.context.pool, tenant, randomName('customers'), [
    { name: 'customer_id', type: 'text', isPrimaryKey: true, nullable: false },
    { name: 'email', type: 'text', isPrimaryKey: false, nullable: true },
  ]);
}

/** Builds a valid IR 1.0 document: S3 CSV source, trim, email check, upsert on customer_id. */
export function customerIr(connectorId: string, datasetId: string): Record<string, unknown> {
  return {
    irVersion: '1.0',
    nodes: [
      { id: 'read_csv', type: 'source', kind: 's3_csv', connectorId, keyPrefix: 'incoming/customers/' },
      { id: 'clean', type: 'transform', steps: [{ op: 'trim', fields: ['email'] }] },
      { id: 'check', type: 'validate', fields: { email: [{ rule: 'email' }] } },
      { id: 'load', type: 'target', datasetId, loadMode: 'upsert', keyFields: ['customer_id'] },
    ],
    edges: [
      ['read_csv', 'clean'],
      ['clean', 'check'],
      ['check', 'load'],
    ],
    errorHandling: {},
  };
}
