/**
 * Flow demo, done the way a user would. It creates a tenant, an IAM role Flow assumes on a new
 * bucket, the customer dataset and a pipeline. It then uploads samples/customers.csv and waits
 * for the S3 notification to become a run that loads PostgreSQL. A changed copy of the file
 * follows, to show the upsert replacing rows in place.
 *
 * Expects a running Flow (api + runner + s3-bridge) and the local stack; scripts/demo.sh
 * starts both. Exits 0 on success and 1 with the failing step's error otherwise.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createIamClient, createS3Client, createSqsClient, createStsClient } from '../shared/src/aws/clients.ts';
import { loadConfig } from '../shared/src/config/env.ts';
import { customerFields, customersCsvText } from './lib/customers-csv.ts';
import { ApiError, FlowApiClient, finishedRunStatuses, type RowsPage, type RunView } from './lib/flow-api-client.ts';

const repoRoot = new URL('..', import.meta.url).pathname;
const sampleFile = new URL('../samples/customers.csv', import.meta.url);
const flowLogFile = process.env.FLOW_DEMO_LOG ?? `${repoRoot}.stack/logs/flow-demo.log`;
const sampleRows = 1000;
const keyPrefix = 'incoming/customers/';
const runTimeoutMs = 60_000;

/** A demo step that failed for a reason the demo itself detected. */
class DemoError extends Error {
  override name = 'DemoError';
}

const config = loadConfig();
const apiBaseUrl = `http://127.0.0.1:${config.FLOW_API_PORT}/api/v1`;
const iam = createIamClient(config);
const s3 = createS3Client(config);
const sqs = createSqsClient(config);
const sts = createStsClient(config);

let stepNumber = 0;

function heading(title: string): void {
  stepNumber += 1;
  process.stdout.write(`\n${stepNumber}. ${title}\n`);
}

function say(line: string): void {
  process.stdout.write(`   ${line}\n`);
}

/** Prints label/value pairs with the values aligned in one column. */
function printTable(entries: Array<[string, string]>): void {
  const width = Math.max(...entries.map(([label]) => label.length));
  for (const [label, value] of entries) say(`${label.padEnd(width)}  ${value}`);
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(2)} s`;
}

/** Creates a tenant through the CLI, as an operator would, and returns its id and API key. */
async function createTenant(name: string): Promise<{ tenantId: string; schemaName: string; apiKey: string }> {
  const cli = `${repoRoot}services/cli/src/main.ts`;
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'tenants', 'create', name, '--json'], { cwd: repoRoot });
  return JSON.parse(stdout) as { tenantId: string; schemaName: string; apiKey: string };
}

/** Creates a role Flow may assume only with `externalId`, allowed to read and archive objects in `bucket`. */
async function createReaderRole(roleName: string, bucket: string, externalId: string): Promise<string> {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  const trustPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${identity.Account}:root` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
  const role = await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trustPolicy) }));

  // PutObject and DeleteObject are there because Flow moves each loaded file under _archive/.
  const accessPolicy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  };
  await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'flow-read-bucket', PolicyDocument: JSON.stringify(accessPolicy) }));
  return role.Role!.Arn!;
}

/** Points the bucket's ObjectCreated notifications at the queue the s3-bridge reads, creating it when missing. */
async function notifyFlowOfNewObjects(bucket: string): Promise<{ queueName: string; queueArn: string }> {
  const queueName = config.FLOW_S3_EVENTS_QUEUE;
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attributes.Attributes?.QueueArn;
  if (!queueArn) throw new DemoError(`SQS returned no QueueArn for queue "${queueName}".`);

  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { QueueConfigurations: [{ QueueArn: queueArn, Events: ['s3:ObjectCreated:*'] }] },
    }),
  );
  return { queueName, queueArn };
}

/** Polls the pipeline's runs until one that is not in `knownRunIds` finishes. Raises unless that run succeeded. */
async function waitForNextRun(api: FlowApiClient, pipelineId: string, knownRunIds: ReadonlySet<string>): Promise<RunView> {
  const deadline = Date.now() + runTimeoutMs;
  for (;;) {
    const { runs } = await api.get<{ runs: RunView[] }>(`/pipelines/${pipelineId}/runs`);
    const finished = runs.find((run) => !knownRunIds.has(run.id) && finishedRunStatuses.has(run.status));

    if (finished?.status === 'succeeded') return finished;
    if (finished) {
      const reason = finished.error ? `${finished.error.code}: ${finished.error.message}` : 'no error recorded';
      throw new DemoError(`Run ${finished.id} ended with status "${finished.status}" (${reason}). Read ${flowLogFile} for details.`);
    }

    if (Date.now() > deadline) {
      say(`Runs of pipeline ${pipelineId}:`);
      for (const run of runs) say(`  ${run.id}  ${run.status}  requested ${run.requestedAt}`);
      if (runs.length === 0) say('  (none: no S3 event for the upload reached the runner)');
      throw new DemoError(`Timed out after ${runTimeoutMs / 1000} s waiting for a run to finish. Read ${flowLogFile} for details.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function printRunSummary(run: RunView, uploadedAt: number): void {
  const started = Date.parse(run.startedAt ?? '');
  const finished = Date.parse(run.finishedAt ?? '');
  printTable([
    ['Run', run.id],
    ['Status', run.status],
    ['Rows read', run.rowsRead],
    ['Rows written', run.rowsWritten],
    ['Quarantined', run.rowsQuarantined],
    ['Duration', seconds(finished - started)],
    ['Upload to done', seconds(finished - uploadedAt)],
    ['IR version', String(run.irVersion)],
  ]);
}

async function uploadCsv(bucket: string, key: string, body: string | Buffer): Promise<number> {
  const uploadedAt = Date.now();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/csv' }));
  return uploadedAt;
}

async function runDemo(): Promise<void> {
  const demoStarted = Date.now();
  const suffix = randomBytes(4).toString('hex');
  const timestamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const today = new Date().toISOString().slice(0, 10);
  const bucket = `flow-demo-${suffix}`;

  heading('Create a tenant');
  const tenant = await createTenant(`demo-${timestamp}-${suffix}`);
  const api = new FlowApiClient(apiBaseUrl, tenant.apiKey);
  say(`Tenant ${tenant.tenantId} (PostgreSQL schema ${tenant.schemaName}); every API call below sends its API key.`);

  heading('Create an IAM role for Flow to assume');
  const externalId = `flow-demo-${randomBytes(12).toString('hex')}`;
  const roleArn = await createReaderRole(`flow-demo-reader-${suffix}`, bucket, externalId);
  say(`Role ${roleArn}`);
  say('Its trust policy requires the external id; its inline policy grants s3:GetObject, ListBucket, PutObject and DeleteObject on the bucket.');

  heading('Create the bucket and the S3 connector');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const { connector } = await api.post<{ connector: { id: string } }>('/connectors', {
    name: 'Customer landing bucket',
    type: 's3',
    authMethod: 'iam_role',
    bucket,
    roleArn,
    externalId,
  });
  say(`Bucket ${bucket}; connector ${connector.id} (verified by AssumeRole, HeadBucket and ListObjectsV2)`);

  heading('Create the customer schema');
  const { schema } = await api.post<{ schema: { id: string; tableName: string } }>('/schemas', { name: 'customer', fields: customerFields });
  say(`Schema ${schema.id}: table ${tenant.schemaName}.${schema.tableName}, ${customerFields.length} fields, primary key customer_id`);

  heading('Create the pipeline');
  const ir = {
    irVersion: '1.0',
    nodes: [
      { id: 'customer_files', type: 'source', kind: 's3_csv', connectorId: connector.id, keyPrefix },
      { id: 'tidy', type: 'transform', steps: [{ op: 'trim', fields: ['first_name', 'last_name', 'email', 'city'] }] },
      { id: 'check', type: 'validate', fields: { customer_id: [{ rule: 'required' }], email: [{ rule: 'required' }, { rule: 'email' }] } },
      { id: 'customers', type: 'target', datasetId: schema.id, loadMode: 'upsert', keyFields: ['customer_id'], emptySourceGuard: true },
    ],
    edges: [
      ['customer_files', 'tidy'],
      ['tidy', 'check'],
      ['check', 'customers'],
    ],
    errorHandling: { onRowError: 'quarantine' },
  };
  const { pipeline, irVersion } = await api.post<{ pipeline: { id: string }; irVersion: number }>('/pipelines', { name: 'Customer File Load', ir });
  say(`Pipeline ${pipeline.id} "Customer File Load", IR version ${irVersion}`);
  say(`s3://${bucket}/${keyPrefix} -> trim -> validate -> upsert into ${schema.tableName} on customer_id (empty-source guard on)`);

  heading("Send the bucket's events to Flow");
  const queue = await notifyFlowOfNewObjects(bucket);
  say(`s3:ObjectCreated:* on ${bucket} -> SQS queue ${queue.queueName} (${queue.queueArn})`);

  heading('Upload the customers file');
  const firstKey = `${keyPrefix}customers-${today}.csv`;
  const firstUploadedAt = await uploadCsv(bucket, firstKey, readFileSync(sampleFile));
  say(`PutObject s3://${bucket}/${firstKey} (${sampleRows} customers)`);

  heading('Wait for the run');
  const firstRun = await waitForNextRun(api, pipeline.id, new Set());
  printRunSummary(firstRun, firstUploadedAt);

  heading('Read the loaded rows');
  const firstPage = await api.get<RowsPage>(`/schemas/${schema.id}/rows?limit=3`);
  say(`GET /schemas/${schema.id}/rows?limit=3 returned ${firstPage.rows.length} of ${firstPage.total} rows:`);
  for (const row of firstPage.rows) say(JSON.stringify(row));
  if (firstPage.total !== sampleRows) throw new DemoError(`Expected ${sampleRows} rows in ${schema.tableName} after the first run, found ${firstPage.total}.`);
  const before = firstPage.rows[0];
  if (before?.customer_id !== '1') throw new DemoError(`Expected customer 1 first in the rows, got ${JSON.stringify(before)}.`);
  say('numeric and bigint columns arrive as strings, so lifetime_value keeps its exact cents.');

  heading('Upload a changed copy and wait for the second run');
  const secondKey = `${keyPrefix}customers-${today}-revised.csv`;
  const secondUploadedAt = await uploadCsv(bucket, secondKey, customersCsvText(sampleRows, { revision: 1 }));
  say(`PutObject s3://${bucket}/${secondKey} (same ${sampleRows} customers, every lifetime_value +1.00)`);
  const secondRun = await waitForNextRun(api, pipeline.id, new Set([firstRun.id]));
  printRunSummary(secondRun, secondUploadedAt);

  const secondPage = await api.get<RowsPage>(`/schemas/${schema.id}/rows?limit=1`);
  const after = secondPage.rows[0];
  const expected = (Number(before.lifetime_value) + 1).toFixed(2);
  say(`Rows in ${schema.tableName}: ${secondPage.total} (upsert replaced rows in place)`);
  say(`Customer 1 lifetime_value: ${JSON.stringify(before.lifetime_value)} -> ${JSON.stringify(after?.lifetime_value)}`);
  if (secondPage.total !== sampleRows) throw new DemoError(`Expected ${sampleRows} rows after the second run, found ${secondPage.total}.`);
  if (after?.lifetime_value !== expected) {
    throw new DemoError(`Expected customer 1's lifetime_value to be "${expected}" after the second run, got ${JSON.stringify(after?.lifetime_value)}.`);
  }

  process.stdout.write(`\nDemo finished in ${seconds(Date.now() - demoStarted)}. Flow's log: ${flowLogFile}\n`);
}

try {
  await runDemo();
} catch (error) {
  if (error instanceof ApiError) {
    process.stderr.write(`\nDemo failed: ${error.method} ${error.path} returned HTTP ${error.status} ${error.code}: ${error.message}\n`);
  } else if (error instanceof DemoError) {
    process.stderr.write(`\nDemo failed: ${error.message}\n`);
  } else if (error instanceof Error) {
    process.stderr.write(`\nDemo failed: ${error.name}: ${error.message}\n`);
  } else {
    process.stderr.write(`\nDemo failed: ${String(error)}\n`);
  }
  process.stderr.write(`Flow's log: ${flowLogFile}\n`);
  process.exitCode = 1;
} finally {
  iam.destroy();
  s3.destroy();
  sqs.destroy();
  sts.destroy();
}
