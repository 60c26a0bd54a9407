import { GetQueueUrlCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASON_HEADER } from '../../shared/src/kafka/topics.ts';
import { customersCsvText } from '../../scripts/lib/customers-csv.ts';
import { allRuns, createCustomerPipeline, putObject, startFlow, uniqueSuffix, waitForFinishedRuns, type FlowHarness } from '../support/harness.ts';

let harness: FlowHarness;

beforeAll(async () => {
  harness = await startFlow();
});

afterAll(async () => {
  await harness?.stop();
});

async function queueUrl(): Promise<string> {
  return (await harness.sqs.send(new GetQueueUrlCommand({ QueueName: harness.queueName }))).QueueUrl!;
}

async function sendRaw(body: string): Promise<void> {
  await harness.sqs.send(new SendMessageCommand({ QueueUrl: await queueUrl(), MessageBody: body }));
}

/** Waits until the bridge has deleted every message of the queue. */
async function waitForEmptyQueue(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const attributes = await harness.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: await queueUrl(), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    const visible = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? '0');
    const inFlight = Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? '0');
    if (visible + inFlight === 0) return;
    if (Date.now() > deadline) throw new Error(`queue still holds ${visible} visible and ${inFlight} in-flight messages`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function notification(bucket: string, key: string, etag: string, size: number): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-12-04T10:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          // AWS sends keys URL-encoded, with + for a space.
          object: { key: encodeURIComponent(key).replaceAll('%20', '+'), size, eTag: etag, sequencer: '0065A1B2C3D4E5F601' },
        },
      },
    ],
  });
}

describe('S3 event delivery', () => {
  it('runs once for an event delivered twice', async () => {
    // A pipeline on a bucket without notifications, so only the hand-made events arrive.
    const fixture = await createCustomerPipeline(harness);
    const key = `${fixture.prefix}twice delivered.csv`;
    await putObject(harness, fixture.bucket, key, customersCsvText(20));
    await waitForFinishedRuns(harness.context.pool, fixture.pipelineId, 1);
    // Upload again and deliver its AWS-style event two more times: three deliveries, two distinct arrivals.
    await putObject(harness, fixture.bucket, key, customersCsvText(25));
    const head = await harness.s3.send(new HeadObjectCommand({ Bucket: fixture.bucket, Key: key }));
    const body = notification(fixture.bucket, key, head.ETag!.replaceAll('"', ''), 1);
    await sendRaw(body);
    await sendRaw(body);
    await waitForEmptyQueue();
    const runs = await waitForFinishedRuns(harness.context.pool, fixture.pipelineId, 2);
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const all = await allRuns(harness.context.pool, fixture.pipelineId);
    const requestIds = new Set(all.map((run) => run.requestId));
    expect(requestIds.size).toBe(all.length);
    const loaded = all.filter((run) => run.status === 'succeeded');
    expect(loaded.map((run) => run.rowsRead).sort()).toEqual(['20', '25']);
    expect(all.filter((run) => run.trigger === 's3_event' && run.status !== 'succeeded').every((run) => run.status === 'skipped')).toBe(true);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // The AWS-style duplicate pair maps to one request id, so it yields at most one run.
    const awsStyle = all.filter((run) => JSON.stringify(run.triggerDetail).includes('0065A1B2C3D4E5F601'));
    expect(awsStyle).toHaveLength(1);
  });

  it('ignores s3:TestEvent', async () => {
    const before = await harness.context.pool.query('SELECT count(*) AS n FROM flow.runs');
    await sendRaw(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-12-04T10:00:00.000Z', Bucket: 'any', RequestId: 'r', HostId: 'h' }));
    await waitForEmptyQueue();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await harness.context.pool.query('SELECT count(*) AS n FROM flow.runs');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('sends an unparseable message to the dead-letter topic', async () => {
    const marker = `not-json-${uniqueSuffix()}`;
    const consumer = harness.context.kafka.consumer({ groupId: `test-dlq-${uniqueSuffix()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: harness.context.topics.deadLetter, fromBeginning: true });
    const found = new Promise<{ value: string; reason: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value?.toString() ?? '';
          if (value === marker) resolve({ value, reason: message.headers?.[DEAD_LETTER_REASON_HEADER]?.toString() ?? '' });
        },
      });
    });
    await sendRaw(marker);
    const dead = await found;
    await consumer.disconnect();
    await waitForEmptyQueue();
    expect(dead.value).toBe(marker);
    expect(dead.reason).toMatch(/^not an S3 event notification/);
  });
});
