import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Pool } from '@flow/shared/db/pool';

/** Result of one dependency check. */
export interface ComponentStatus {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

/** Time each dependency check may take before it counts as down, in milliseconds. */
export const COMPONENT_CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, timeoutMs: number, checkName: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${checkName} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function measure(check: () => Promise<unknown>, timeoutMs: number, checkName: string): Promise<ComponentStatus> {
  const started = performance.now();
  try {
    await withTimeout(check(), timeoutMs, checkName);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
  }
}

/** Checks PostgreSQL with `select 1`. */
export function checkPostgres(pool: Pool, timeoutMs = COMPONENT_CHECK_TIMEOUT_MS): Promise<ComponentStatus> {
  return measure(() => pool.query('select 1'), timeoutMs, 'PostgreSQL check');
}

/** Checks Kafka with an admin DescribeCluster on a short-lived admin client without retries. */
export function checkKafka(kafka: Kafka, timeoutMs = COMPONENT_CHECK_TIMEOUT_MS): Promise<ComponentStatus> {
  return measure(
    async () => {
      const admin = kafka.admin({ retry: { retries: 0 } });
      try {
        await admin.connect();
        await admin.describeCluster();
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    timeoutMs,
    'Kafka check',
  );
}

/**
 * Checks that the S3 API responds, with ListBuckets on Flow's own credentials. An access-denied
 * response still counts as up, because the service is reachable and each connector has its own rights.
 */
export function checkS3(s3: S3Client, timeoutMs = COMPONENT_CHECK_TIMEOUT_MS): Promise<ComponentStatus> {
  return measure(
    async () => {
      try {
        await s3.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== 403) throw error;
      }
    },
    timeoutMs,
    'S3 check',
  );
}
