import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, call, createTestTenant, randomName, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';

const externalId = `ext-${randomName('secret')}`;
const secretAccessKey = `sak-${randomName('secret')}`;

/** Role whose trust policy requires the external id, as a real AWS account would set it up. */
function trustPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  });
}

describe('S3 connectors', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;
  let bucket: string;
  let roleArn: string;
  const responses: string[] = [];

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);

    const endpoint = harness.context.config.AWS_ENDPOINT_URL;
    const clientOptions = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const s3 = new S3Client({ ...clientOptions, forcePathStyle: true });
    const iam = new IAMClient(clientOptions);
    bucket = randomName('flow-test').replaceAll('_', '-');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const role = await iam.send(new CreateRoleCommand({ RoleName: randomName('flow-reader'), AssumeRolePolicyDocument: trustPolicy() }));
    roleArn = role.Role!.Arn!;
    s3.destroy();
    iam.destroy();
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function send(method: 'GET' | 'POST', url: string, body?: unknown) {
    const response = await call(harness, tenant, method, url, body);
    responses.push(response.body);
    return response;
  }

  it('creates an iam_role connector after verifying it', async () => {
    const name = randomName('customers-drop');
    const response = await send('POST', '/api/v1/connectors', { name, type: 's3', authMethod: 'iam_role', bucket, roleArn, externalId });

    expect(response.statusCode).toBe(201);
    const connector = bodyOf(response).connector;
    expect(connector.name).toBe(name);
    expect(connector.type).toBe('s3');
    expect(connector.config).toEqual({ authMethod: 'iam_role', bucket, roleArn });
    expect(connector.verifiedAt).not.toBeNull();

    const fetched = await send('GET', `/api/v1/connectors/${connector.id}`);
    expect(fetched.statusCode).toBe(200);
    expect(bodyOf(fetched).connector.config).toEqual({ authMethod: 'iam_role', bucket, roleArn });

    const listed = await send('GET', '/api/v1/connectors');
    expect(bodyOf(listed).connectors.map((item: { id: string }) => item.id)).toContain(connector.id);

    const tested = await send('POST', `/api/v1/connectors/${connector.id}/test`);
    expect(tested.statusCode).toBe(200);
    expect(bodyOf(tested).ok).toBe(true);
    expect(bodyOf(tested).steps).toEqual(['assume_role', 'head_bucket', 'list_objects']);
  });

  it('creates an access_key connector without returning the secret', async () => {
    const response = await send('POST', '/api/v1/connectors', {
      name: randomName('keyed'),
      type: 's3',
      authMethod: 'access_key',
      bucket,
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey,
    });

    expect(response.statusCode).toBe(201);
    expect(bodyOf(response).connector.config).toEqual({ authMethod: 'access_key', bucket, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });

    const tested = await send('POST', `/api/v1/connectors/${bodyOf(response).connector.id}/test`);
    expect(tested.statusCode).toBe(200);
    expect(bodyOf(tested).steps).toEqual(['head_bucket', 'list_objects']);
  });

  it('fails at head_bucket for a missing bucket and saves nothing', async () => {
    const own = await createTestTenant(harness);
    const missing = randomName('no-such-bucket').replaceAll('_', '-');

    const response = await call(harness, own, 'POST', '/api/v1/connectors', {
      name: 'missing-bucket',
      type: 's3',
      authMethod: 'iam_role',
      bucket: missing,
      roleArn,
      externalId,
    });
    responses.push(response.body);

    expect(response.statusCode).toBe(422);
    const error = bodyOf(response).error;
    expect(error.code).toBe('CONNECTOR_VERIFICATION_FAILED');
    expect(error.details).toEqual({ step: 'head_bucket', bucket: missing });

    const listed = await call(harness, own, 'GET', '/api/v1/connectors');
    expect(bodyOf(listed).connectors).toEqual([]);
    const stored = await harness.context.pool.query('SELECT id FROM flow.connectors WHERE tenant_id = $1', [own.id]);
    expect(stored.rowCount).toBe(0);
  });

  // The shared moto server checks no trust policy, so a wrong external id is tested against a
  // moto server with IAM authentication on, in test/integration/connector-trust-policy.test.ts.

  it('rejects an unknown connector type', async () => {
    const response = await send('POST', '/api/v1/connectors', { name: 'ftp', type: 'ftp', authMethod: 'default', bucket });

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details.issues[0].path).toBe('type');
  });

  it('never returns a secret', () => {
    expect(responses.length).toBeGreaterThan(5);
    for (const body of responses) {
      expect(body).not.toContain(externalId);
      expect(body).not.toContain(secretAccessKey);
      expect(body).not.toContain('externalId');
      expect(body).not.toContain('secretAccessKey');
    }
  });
});
