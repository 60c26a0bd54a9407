import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((value) => value === 'true' || value === '1');

/**
 * Environment variables every Flow process reads. Defaults point at the local stack that
 * `npm run stack:up` starts, so a laptop or CI needs no variables at all.
 */
const envSchema = z.object({
  /** PostgreSQL holding Flow's metadata and the tenants' tables. */
  DATABASE_URL: z.string().url().default('postgres://flow:flow@127.0.0.1:55432/flow'),
  /** Size of each process's PostgreSQL pool. A run holds up to two clients. Default 20. */
  FLOW_DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  /** Comma-separated Kafka bootstrap brokers. */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:59092')
    .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean)),
  /** Kafka client id prefix; each service appends its own name. */
  KAFKA_CLIENT_ID: z.string().min(1).default('flow'),
  /**
   * Prefix of Flow's topics and consumer groups (`<namespace>.run-requests`, `<namespace>-runner`).
   * Installations or test runs that share a broker use different namespaces. Default "flow".
   */
  FLOW_KAFKA_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be 1 to 40 lower-case letters, digits, "_" or "-", starting with a letter')
    .default('flow'),
  /** Partitions for Flow's own topics when a service creates them. Default 6. */
  FLOW_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  /** Replication factor for Flow's own topics. Default 1, for a single-node broker. */
  FLOW_TOPIC_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
  /**
   * Endpoint of the S3/SQS/STS/IAM API. Default is the local moto server. Set it to an empty
   * string to use the AWS SDK's regional endpoints.
   */
  AWS_ENDPOINT_URL: z.string().default('http://127.0.0.1:55000'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Name of the SQS queue that receives the buckets' event notifications. */
  FLOW_S3_EVENTS_QUEUE: z.string().min(1).default('flow-s3-events'),
  /** Seconds s3-bridge waits in one SQS long poll (0 to 20). Default 20. */
  FLOW_SQS_WAIT_SECONDS: z.coerce.number().int().min(0).max(20).default(20),
  /** TCP port of the REST API. Default 8080. */
  FLOW_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  FLOW_API_HOST: z.string().default('127.0.0.1'),
  /** Largest accepted request body, in bytes. Default 1 MiB. */
  FLOW_API_BODY_LIMIT: z.coerce.number().int().min(1024).default(1_048_576),
  /**
   * Key that encrypts connector secrets at rest: 32 bytes as 64 hex characters. Losing it
   * makes stored secrets unreadable. The default is for local development only.
   */
  FLOW_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
    .default('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'),
  /** Enables cdc_mirror pipelines. Default false. */
  FLOW_STREAMING_ENABLED: booleanFlag,
  /** Rows per COPY chunk written to PostgreSQL. Default 64 KiB of text per write. */
  FLOW_COPY_CHUNK_BYTES: z.coerce.number().int().min(1024).default(65_536),
  /**
   * Milliseconds the broker waits for a silent runner before it gives the runner's partitions to
   * another one. After a crash, runs resume on another runner after about this long. The broker
   * accepts 6000 to 300000 by default. Default 60000.
   */
  FLOW_RUNNER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(1_800_000).default(60_000),
  /** Run requests the runner executes at once, across pipelines. Default 4. */
  FLOW_RUNNER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** pino level. Default info. */
  FLOW_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /**
   * TCP port of a process's own /metrics listener, for processes that run without the API
   * (which serves /metrics on its port). 0, the default, disables it.
   */
  FLOW_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
});

export type FlowConfig = Readonly<z.infer<typeof envSchema>>;

/** Error raised when the environment fails validation; lists every problem at once. */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`Invalid environment: ${issues.join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Parses the environment once, filling defaults, and returns a frozen configuration. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FlowConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.')}=${JSON.stringify(env[String(issue.path[0])])}: ${issue.message}`,
    );
    throw new ConfigError(issues);
  }
  return Object.freeze(result.data);
}
