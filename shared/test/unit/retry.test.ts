import { describe, expect, it } from 'vitest';
import { flowError } from '../../src/errors/catalog.ts';
import { isTransientError, withRetry, type RetryPolicy } from '../../src/errors/retry.ts';

const noDelay: RetryPolicy = { maxAttempts: 3, initialDelayMs: 0, maxDelayMs: 0 };

/** Builds an error shaped like the ones pg and Node's net module throw. */
function errorWithCode(code: string): Error {
  return Object.assign(new Error(`failed with ${code}`), { code });
}

function errorWithName(name: string): Error {
  const error = new Error(`failed as ${name}`);
  error.name = name;
  return error;
}

describe('isTransientError', () => {
  it('isTransientError accepts serialization failure', () => {
    expect(isTransientError(errorWithCode('40001'))).toBe(true);
  });

  it('isTransientError accepts deadlock', () => {
    expect(isTransientError(errorWithCode('40P01'))).toBe(true);
  });

  it('isTransientError accepts connection class 08', () => {
    expect(isTransientError(errorWithCode('08006'))).toBe(true);
    expect(isTransientError(errorWithCode('08001'))).toBe(true);
  });

  it('isTransientError accepts ECONNRESET', () => {
    expect(isTransientError(errorWithCode('ECONNRESET'))).toBe(true);
  });

  it('isTransientError accepts KafkaJS connection errors', () => {
    expect(isTransientError(errorWithName('KafkaJSConnectionError'))).toBe(true);
    expect(isTransientError(errorWithName('KafkaJSRequestTimeoutError'))).toBe(true);
  });

  it('isTransientError follows the FlowError flag', () => {
    expect(isTransientError(flowError('DATABASE_UNAVAILABLE', 'database down'))).toBe(true);
    expect(isTransientError(flowError('CSV_MALFORMED', 'bad file'))).toBe(false);
  });

  it('isTransientError rejects unique violation', () => {
    expect(isTransientError(errorWithCode('23505'))).toBe(false);
  });

  it('isTransientError rejects invalid text representation', () => {
    expect(isTransientError(errorWithCode('22P02'))).toBe(false);
  });

  it('isTransientError rejects non-objects', () => {
    expect(isTransientError('ECONNRESET')).toBe(false);
    expect(isTransientError(null)).toBe(false);
    expect(isTransientError(undefined)).toBe(false);
  });

  it('isTransientError rejects a plain Error', () => {
    expect(isTransientError(new Error('boom'))).toBe(false);
  });

  it('isTransientError accepts AWS retryable marks', () => {
    expect(isTransientError(Object.assign(new Error('throttled'), { $retryable: {} }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('kafka'), { retryable: true }))).toBe(true);
  });
});

describe('withRetry', () => {
  it('withRetry returns the first success', async () => {
    const attempts: number[] = [];
    const result = await withRetry(async (attempt) => {
      attempts.push(attempt);
      return 'done';
    }, noDelay);
    expect(result).toBe('done');
    expect(attempts).toEqual([1]);
  });

  it('withRetry retries transient errors', async () => {
    const attempts: number[] = [];
    const retries: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw errorWithCode('40001');
        return attempt;
      },
      noDelay,
      (_error, attempt, delayMs) => {
        retries.push(attempt);
        expect(delayMs).toBe(0);
      },
    );
    expect(result).toBe(3);
    expect(attempts).toEqual([1, 2, 3]);
    expect(retries).toEqual([1, 2]);
  });

  it('withRetry stops at maxAttempts', async () => {
    const attempts: number[] = [];
    const failure = errorWithCode('ECONNRESET');
    const run = withRetry(async (attempt) => {
      attempts.push(attempt);
      throw failure;
    }, noDelay);
    await expect(run).rejects.toBe(failure);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('withRetry never retries data errors', async () => {
    const attempts: number[] = [];
    const failure = errorWithCode('22P02');
    const run = withRetry(async (attempt) => {
      attempts.push(attempt);
      throw failure;
    }, noDelay);
    await expect(run).rejects.toBe(failure);
    expect(attempts).toEqual([1]);
  });

  it('withRetry never retries constraint errors', async () => {
    const attempts: number[] = [];
    const run = withRetry(async (attempt) => {
      attempts.push(attempt);
      throw errorWithCode('23505');
    }, { ...noDelay, maxAttempts: 5 });
    await expect(run).rejects.toThrow('failed with 23505');
    expect(attempts).toEqual([1]);
  });

  it('withRetry with one attempt never retries', async () => {
    const attempts: number[] = [];
    const run = withRetry(async (attempt) => {
      attempts.push(attempt);
      throw errorWithCode('40P01');
    }, { ...noDelay, maxAttempts: 1 });
    await expect(run).rejects.toThrow('failed with 40P01');
    expect(attempts).toEqual([1]);
  });
});
