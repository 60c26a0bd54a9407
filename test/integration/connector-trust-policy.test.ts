import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIamClient, createS3Client } from '../../shared/src/aws/clients.ts';
import { verifyS3Connector } from '../../shared/src/connectors/s3-connector.ts';
import { isFlowError } from '../../shared/src/errors/flow-error.ts';

/**
 * Connector verification against an emulator that enforces IAM. The shared moto server
 * accepts any credentials, so this file starts a second moto server of its own. It creates a
 * user, a bucket and a role whose trust policy requires an external id. Then it switches on
 * moto's request authentication, after which every call is checked against IAM policies.
 */

const port = 56_000 + Math.floor(Math.random() * 1_000);
const endpoint = `http://127.0.0.1:${port}`;
const config = { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1' };
const bucket = 'flow-trust-test';
const externalId = 'flow-external-id-7f3a';
let moto: ChildProcess;
let roleArn: string;
let readerOnlyHeadArn: string;
const savedCredentials = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

async function waitForMoto(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto on ${endpoint} did not start within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  const venvPython = '.stack/moto/venv/bin/python';
  const python = existsSync(venvPython) ? venvPython : 'python3';
  moto = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForMoto();

  // Set-up runs before authentication is on, with the emulator's default credentials.
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  const iam = createIamClient(config);
  const s3 = createS3Client(config);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const user = await iam.send(new CreateUserCommand({ UserName: 'flow-service' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'flow-service',
      PolicyName: 'assume-roles',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'flow-service' }));
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: user.User!.Arn },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  });
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'flow-reader', AssumeRolePolicyDocument: trust }));
  roleArn = role.Role!.Arn!;
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'flow-reader',
      PolicyName: 'read-bucket',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        // AWS authorizes HeadBucket as s3:ListBucket; moto 5.2 checks an action named s3:HeadBucket.
        Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:HeadBucket', 's3:GetObject'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
      }),
    }),
  );
  const other = await iam.send(new CreateRoleCommand({ RoleName: 'flow-no-s3', AssumeRolePolicyDocument: trust }));
  readerOnlyHeadArn = other.Role!.Arn!;
  iam.destroy();
  s3.destroy();

  const enabled = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  expect(enabled.status).toBe(200);
  process.env.AWS_ACCESS_KEY_ID = key.AccessKey!.AccessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = key.AccessKey!.SecretAccessKey;
});

afterAll(() => {
  process.env.AWS_ACCESS_KEY_ID = savedCredentials.id;
  process.env.AWS_SECRET_ACCESS_KEY = savedCredentials.secret;
  moto?.kill('SIGTERM');
});

async function verificationStep(role: string, id: string): Promise<string> {
  try {
    await verifyS3Connector(config, { authMethod: 'iam_role', bucket, roleArn: role }, { externalId: id });
    return 'passed';
  } catch (error) {
    if (!isFlowError(error)) throw error;
    expect(error.code).toBe('CONNECTOR_VERIFICATION_FAILED');
    return (error.details as { step: string }).step;
  }
}

describe('S3 connector verification with IAM enforced', () => {
  it('passes with the right external id', async () => {
    const result = await verifyS3Connector(config, { authMethod: 'iam_role', bucket, roleArn }, { externalId });
    expect(result.steps).toEqual(['assume_role', 'head_bucket', 'list_objects']);
  });

  it('fails at assume_role with a wrong external id', async () => {
    expect(await verificationStep(roleArn, 'not-the-external-id')).toBe('assume_role');
  });

  it('fails at head_bucket without bucket rights', async () => {
    expect(await verificationStep(readerOnlyHeadArn, externalId)).toBe('head_bucket');
  });
});
