import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Producer } from 'kafkajs';
import { Counter } from 'prom-client';
import { createS3Client, createSqsClient } from '@flow/shared/aws/clients';
import { DEAD_LETTER_REASON_HEADER, type FlowTopics } from '@flow/shared/kafka/topics';
import { LogField, type Logger } from '@flow/shared/logging/logger';
import type { RunningService, ServiceContext } from '@flow/shared/runtime/service-context';
import { parseS3Notification, type S3Event } from '@flow/shared/s3/s3-event';
import { resolveRecordKey } from './resolve-key.ts';

interface BridgeMetrics {
  received: Counter;
  produced: Counter;
  ignored: Counter;
  deadLettered: Counter;
  failures: Counter;
}

function createMetrics(context: ServiceContext): BridgeMetrics {
  const registers = [context.metrics];
  return {
    received: new Counter({ name: 'flow_s3_bridge_messages_received_total', help: 'SQS messages received', registers }),
    produced: new Counter({ name: 'flow_s3_bridge_events_produced_total', help: 'S3 events produced to flow.s3-events', registers }),
    ignored: new Counter({ name: 'flow_s3_bridge_messages_ignored_total', help: 's3:TestEvent and non-create messages deleted without an event', registers }),
    deadLettered: new Counter({ name: 'flow_s3_bridge_messages_dead_lettered_total', help: 'Unparseable SQS messages sent to the dead-letter topic', registers }),
    failures: new Counter({ name: 'flow_s3_bridge_failures_total', help: 'Receive or produce failures; the message stays in SQS', labelNames: ['stage'], registers }),
  };
}

/**
 * Forwards one SQS message: every S3 record it contains is produced to flow.s3-events, and only
 * after Kafka acknowledged them is the message deleted from SQS. Throwing leaves the message
 * in the queue, so SQS delivers it again after its visibility timeout.
 */
async function forwardMessage(
  message: Message,
  deps: { sqs: SQSClient; s3: S3Client; producer: Producer; queueUrl: string; logger: Logger; metrics: BridgeMetrics; topics: FlowTopics },
): Promise<void> {
  const { producer, logger, metrics } = deps;
  const body = message.Body ?? '';
  let events: S3Event[] = [];
  try {
    const notification = parseS3Notification(body);
    if (notification.kind === 'test') {
      metrics.ignored.inc();
      logger.info({ sqs_message_id: message.MessageId }, 's3:TestEvent ignored');
    } else {
      for (const record of notification.records) {
        const { rawKey: _rawKey, ...event } = record;
        events.push({ ...event, key: await resolveRecordKey(deps.s3, record) });
      }
      if (notification.records.length === 0) metrics.ignored.inc();
    }
  } catch (error) {
    if (!(error instanceof SyntaxError) && (error as Error).name !== 'ZodError') throw error;
    await producer.send({
      topic: deps.topics.deadLetter,
      acks: -1,
      messages: [{ key: message.MessageId ?? null, value: body, headers: { [DEAD_LETTER_REASON_HEADER]: `not an S3 event notification: ${(error as Error).message.slice(0, 500)}`, 'flow-origin': 'sqs' } }],
    });
    metrics.deadLettered.inc();
    logger.warn({ sqs_message_id: message.MessageId, err: error }, 'unparseable SQS message sent to the dead-letter topic');
    events = [];
  }

  if (events.length > 0) {
    await producer.send({
      topic: deps.topics.s3Events,
      acks: -1,
      messages: events.map((event) => ({ key: `${event.bucket}/${event.key}`, value: JSON.stringify(event) })),
    });
    metrics.produced.inc(events.length);
    for (const event of events) logger.info({ [LogField.bucket]: event.bucket, [LogField.key]: event.key, etag: event.etag }, 'S3 event forwarded');
  }
  await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: message.ReceiptHandle }));
}

/** Starts the bridge: long-polls the SQS queue of bucket notifications and feeds flow.s3-events. */
export async function startS3Bridge(context: ServiceContext): Promise<RunningService> {
  const logger = context.logger.child({ [LogField.service]: 's3-bridge' });
  const metrics = createMetrics(context);
  const sqs = createSqsClient(context.config);
  const s3 = createS3Client(context.config);
  const producer = context.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  // CreateQueue returns the existing queue's URL when the queue is already there.
  const created = await sqs.send(new CreateQueueCommand({ QueueName: context.config.FLOW_S3_EVENTS_QUEUE }));
  const queueUrl = created.QueueUrl!;
  logger.info({ queue_url: queueUrl }, 's3-bridge polling SQS');

  const abort = new AbortController();
  const loop = (async () => {
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: context.config.FLOW_SQS_WAIT_SECONDS,
            VisibilityTimeout: 60,
          }),
          { abortSignal: abort.signal },
        );
        failures = 0;
        for (const message of received.Messages ?? []) {
          metrics.received.inc();
          try {
            await forwardMessage(message, { sqs, s3, producer, queueUrl, logger, metrics, topics: context.topics });
          } catch (error) {
            metrics.failures.inc({ stage: 'forward' });
            logger.error({ err: error, sqs_message_id: message.MessageId }, 'forwarding an SQS message failed; SQS will deliver it again');
          }
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        failures += 1;
        metrics.failures.inc({ stage: 'receive' });
        const delayMs = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        logger.error({ err: error, retry_in_ms: delayMs }, 'SQS receive failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  })();

  return {
    name: 's3-bridge',
    async stop() {
      abort.abort();
      await loop;
      await producer.disconnect();
      sqs.destroy();
      s3.destroy();
    },
  };
}
