import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createS3Client, createSqsClient } from '../../shared/src/aws/clients.ts';
import { insertConnector } from '../../shared/src/connectors/connector-store.ts';
import { createDataset, type Dataset } from '../../shared/src/datasets/dataset-store.ts';
import { datasetFieldsSchema } from '../../shared/src/datasets/field-schema.ts';
import type { Pool } from '../../shared/src/db/pool.ts';
import { createPipeline } from '../../shared/src/pipelines/pipeline-store.ts';
import { createServiceContext, stopAll, type RunningService, type ServiceContext } from '../../shared/src/runtime/service-context.ts';
import type { Run } from '../../shared/src/runs/run-store.ts';
import { runColumns } from '../../shared/src/runs/run-store.ts';
import { createTenant, type Tenant } from '../../shared/src/tenants/tenant-store.ts';
import { startRunner } from '../../services/runner/src/runner-service.ts';
import { startS3Bridge } from '../../services/s3-bridge/src/s3-bridge-service.ts';
import { customerFields } from '../../scripts/lib/customers-csv.ts';

/** A short random suffix for names that must not collide between tests. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export interface FlowHarness {
  context: ServiceContext;
  s3: S3Client;
  sqs: SQSClient;
  queueName: string;
  stop(): Promise<void>;
}

/** Starts the runner and the S3 bridge in this process, on an SQS queue of their own. */
export async function startFlow(options: { services?: Array<'runner' | 's3-bridge'> } = {}): Promise<FlowHarness> {
  const queueName = `flow-test-${uniqueSuffix()}`;
  // A namespace of its own gives the harness its own topics and consumer groups, so runners of
  // other test files or processes never take its run requests.
  const context = await createServiceContext('test', {
    ...process.env,
    FLOW_KAFKA_NAMESPACE: `flowtest-${uniqueSuffix()}`,
    FLOW_TOPIC_PARTITIONS: '3',
    FLOW_S3_EVENTS_QUEUE: queueName,
    FLOW_SQS_WAIT_SECONDS: '1',
    FLOW_LOG_LEVEL: process.env.FLOW_TEST_LOG_LEVEL ?? 'fatal',
  });
  const services: RunningService[] = [];
  const selected = options.services ?? ['runner', 's3-bridge'];
  if (selected.includes('runner')) services.push(await startRunner(context));
  if (selected.includes('s3-bridge')) services.push(await startS3Bridge(context));
  const s3 = createS3Client(context.config);
  const sqs = createSqsClient(context.config);
  return {
    context,
    s3,
    sqs,
    queueName,
    async stop() {
      await stopAll(context, services);
      s3.destroy();
      sqs.destroy();
      // The namespace's topics and groups belong to this harness alone; leave the broker clean.
      const admin = context.kafka.admin();
      await admin.connect();
      try {
        await admin.deleteGroups(Object.values(context.groups)).catch(() => undefined);
        await admin.deleteTopics({ topics: Object.values(context.topics) }).catch(() => undefined);
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/** Creates a bucket whose ObjectCreated notifications go to the harness's SQS queue. */
export async function createNotifyingBucket(harness: FlowHarness, bucket: string): Promise<void> {
  await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const queue = await harness.sqs.send(new CreateQueueCommand({ QueueName: harness.queueName }));
  const attributes = await harness.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
  await harness.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [{ QueueArn: attributes.Attributes!.QueueArn!, Events: ['s3:ObjectCreated:*'] }],
      },
    }),
  );
}

export async function putObject(harness: FlowHarness, bucket: string, key: string, body: string | Buffer): Promise<void> {
  await harness.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export interface CustomerPipeline {
  tenant: Tenant;
  dataset: Dataset;
  pipelineId: string;
  bucket: string;
  prefix: string;
}

/** Creates a tenant, a customers dataset, a default-credential S3 connector and an upsert pipeline. */
export async function createCustomerPipeline(
  harness: FlowHarness,
  options: { prefix?: string; errorHandling?: Record<string, unknown>; target?: Record<string, unknown> } = {},
): Promise<CustomerPipeline> {
  const suffix = uniqueSuffix();
  const pool = harness.context.pool;
  const tenant = await createTenant(pool, `tenant-${suffix}`);
  const dataset = await createDataset(pool, tenant, 'customer', datasetFieldsSchema.parse(customerFields));
  const bucket = `flow-test-${suffix}`;
  await createNotifyingBucket(harness, bucket);
  const connector = await insertConnector(pool, harness.context.config, {
    tenantId: tenant.id,
    name: 'landing',
    type: 's3',
    settings: { authMethod: 'default', bucket },
    secrets: {},
    verified: true,
  });
  const prefix = options.prefix ?? 'incoming/';
  const pipeline = await createPipeline(pool, harness.context.config, tenant.id, {
    name: 'customers',
    ir: {
      irVersion: '1.0',
      nodes: [
        { id: 'src', type: 'source', kind: 's3_csv', connectorId: connector.id, keyPrefix: prefix },
        { id: 'load', type: 'target', datasetId: dataset.id, loadMode: 'upsert', keyFields: ['customer_id'], ...options.target },
      ],
      edges: [['src', 'load']],
      errorHandling: options.errorHandling ?? {},
    },
  });
  return { tenant, dataset, pipelineId: pipeline.id, bucket, prefix };
}

/** Polls until the pipeline has `count` finished runs, or fails after `timeoutMs`. */
export async function waitForFinishedRuns(pool: Pool, pipelineId: string, count = 1, timeoutMs = 60_000): Promise<Run[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await pool.query<Run>(
      `SELECT ${runColumns} FROM flow.runs WHERE pipeline_id = $1 AND status IN ('succeeded', 'failed', 'skipped') ORDER BY finished_at`,
      [pipelineId],
    );
    if (result.rows.length >= count) return result.rows;
    if (Date.now() > deadline) {
      const all = await pool.query(`SELECT status, error_message FROM flow.runs WHERE pipeline_id = $1`, [pipelineId]);
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${count} finished run(s); runs: ${JSON.stringify(all.rows)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function allRuns(pool: Pool, pipelineId: string): Promise<Run[]> {
  const result = await pool.query<Run>(`SELECT ${runColumns} FROM flow.runs WHERE pipeline_id = $1 ORDER BY requested_at`, [pipelineId]);
  return result.rows;
}
