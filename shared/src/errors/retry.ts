import { isFlowError } from './flow-error.ts';

/** PostgreSQL SQLSTATE classes and codes that a retry may survive. */
const transientSqlStates = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

const transientNodeCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Decides whether an error is transient. Connection failures, timeouts, serialization
 * failures and deadlocks are; validation, constraint and data errors never are.
 */
export function isTransientError(error: unknown): boolean {
  if (isFlowError(error)) return error.retriable;
  if (typeof error !== 'object' || error === null) return false;

  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (transientSqlStates.has(code) || code.startsWith('08')) return true;
    if (transientNodeCodes.has(code)) return true;
  }
  const name = (error as { name?: unknown }).name;
  if (name === 'KafkaJSConnectionError' || name === 'KafkaJSRequestTimeoutError' || name === 'TimeoutError') return true;
  const retryable = (error as { retryable?: unknown }).retryable;
  if (retryable === true) return true;
  const transient = (error as { $retryable?: unknown }).$retryable;
  return transient !== undefined && transient !== null;
}

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 10_000 };

/**
 * Runs `operation`, retrying transient errors with exponential backoff and full jitter.
 * `onRetry` is called before each wait, so callers can log the attempt.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void | Promise<void>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !isTransientError(error)) throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * ceiling);
      await onRetry?.(error, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
