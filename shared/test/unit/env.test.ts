import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';

/** Runs loadConfig and returns the ConfigError it throws. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw ConfigError, but it returned a configuration');
}

describe('loadConfig', () => {
  it('loadConfig fills defaults from an empty env', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe('postgres://flow:flow@127.0.0.1:55432/flow');
    expect(config.FLOW_DB_POOL_SIZE).toBe(20);
    expect(config.FLOW_KAFKA_NAMESPACE).toBe('flow');
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:59092']);
    expect(config.KAFKA_CLIENT_ID).toBe('flow');
    expect(config.FLOW_TOPIC_PARTITIONS).toBe(6);
    expect(config.FLOW_TOPIC_REPLICATION_FACTOR).toBe(1);
    expect(config.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:55000');
    expect(config.AWS_REGION).toBe('us-east-1');
    expect(config.FLOW_S3_EVENTS_QUEUE).toBe('flow-s3-events');
    expect(config.FLOW_SQS_WAIT_SECONDS).toBe(20);
    expect(config.FLOW_API_PORT).toBe(8080);
    expect(config.FLOW_API_HOST).toBe('127.0.0.1');
    expect(config.FLOW_API_BODY_LIMIT).toBe(1_048_576);
    expect(config.FLOW_SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(config.FLOW_STREAMING_ENABLED).toBe(false);
    expect(config.FLOW_COPY_CHUNK_BYTES).toBe(65_536);
    expect(config.FLOW_RUNNER_CONCURRENCY).toBe(4);
    expect(config.FLOW_LOG_LEVEL).toBe('info');
    expect(config.FLOW_METRICS_PORT).toBe(0);
  });

  it('loadConfig returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });

  it('loadConfig coerces numbers', () => {
    const config = loadConfig({ FLOW_DB_POOL_SIZE: '25', FLOW_API_PORT: '0' });
    expect(config.FLOW_DB_POOL_SIZE).toBe(25);
    expect(config.FLOW_API_PORT).toBe(0);
  });

  it('loadConfig splits and trims brokers', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'localhost:9092, 127.0.0.1:9093,' }).KAFKA_BROKERS).toEqual(['localhost:9092', '127.0.0.1:9093']);
  });

  it('loadConfig allows an empty AWS endpoint', () => {
    expect(loadConfig({ AWS_ENDPOINT_URL: '' }).AWS_ENDPOINT_URL).toBe('');
  });

  it('loadConfig reports every bad variable', () => {
    const error = configError({
      FLOW_DB_POOL_SIZE: '0',
      FLOW_API_PORT: 'eighty',
      FLOW_SECRET_KEY: 'abc',
      FLOW_LOG_LEVEL: 'verbose',
    });
    expect(error.name).toBe('ConfigError');
    expect(error.issues).toHaveLength(4);
    expect(error.issues[0]).toMatch(/^FLOW_DB_POOL_SIZE="0": /);
    expect(error.issues[1]).toMatch(/^FLOW_API_PORT="eighty": /);
    expect(error.issues[2]).toBe('FLOW_SECRET_KEY="abc": must be 64 hex characters (32 bytes)');
    expect(error.issues[3]).toMatch(/^FLOW_LOG_LEVEL="verbose": /);
  });

  it('loadConfig names variables in the message', () => {
    const error = configError({ FLOW_SQS_WAIT_SECONDS: '21', DATABASE_URL: 'not a url' });
    expect(error.message).toMatch(/^Invalid environment: /);
    expect(error.message).toContain('DATABASE_URL="not a url"');
    expect(error.message).toContain('FLOW_SQS_WAIT_SECONDS="21"');
  });

  it('loadConfig rejects a fractional integer', () => {
    expect(configError({ FLOW_RUNNER_CONCURRENCY: '2.5' }).issues[0]).toMatch(/^FLOW_RUNNER_CONCURRENCY="2.5": /);
  });
});

describe('loadConfig FLOW_STREAMING_ENABLED', () => {
  it('streaming flag accepts true and 1', () => {
    expect(loadConfig({ FLOW_STREAMING_ENABLED: 'true' }).FLOW_STREAMING_ENABLED).toBe(true);
    expect(loadConfig({ FLOW_STREAMING_ENABLED: '1' }).FLOW_STREAMING_ENABLED).toBe(true);
  });

  it('streaming flag accepts false, 0 and empty', () => {
    expect(loadConfig({ FLOW_STREAMING_ENABLED: 'false' }).FLOW_STREAMING_ENABLED).toBe(false);
    expect(loadConfig({ FLOW_STREAMING_ENABLED: '0' }).FLOW_STREAMING_ENABLED).toBe(false);
    expect(loadConfig({ FLOW_STREAMING_ENABLED: '' }).FLOW_STREAMING_ENABLED).toBe(false);
  });

  it('streaming flag rejects other words', () => {
    expect(configError({ FLOW_STREAMING_ENABLED: 'yes' }).issues[0]).toMatch(/^FLOW_STREAMING_ENABLED="yes": /);
    expect(configError({ FLOW_STREAMING_ENABLED: 'TRUE' }).issues[0]).toMatch(/^FLOW_STREAMING_ENABLED="TRUE": /);
  });
});
