import { FlowError, type ErrorContext } from './flow-error.ts';

/**
 * Every error code Flow raises, with its HTTP status and whether a retry may succeed.
 * Messages are built by the factories below so that each quotes the value at fault.
 */
export const ErrorCode = {
  VALIDATION_FAILED: { status: 400, retriable: false },
  AUTH_MISSING_KEY: { status: 401, retriable: false },
  AUTH_INVALID_KEY: { status: 401, retriable: false },
  NOT_FOUND: { status: 404, retriable: false },
  CONFLICT: { status: 409, retriable: false },
  BODY_TOO_LARGE: { status: 413, retriable: false },
  CONNECTOR_VERIFICATION_FAILED: { status: 422, retriable: false },
  IR_INVALID: { status: 422, retriable: false },
  STREAMING_DISABLED: { status: 422, retriable: false },
  SOURCE_EMPTY: { status: 422, retriable: false },
  CSV_MALFORMED: { status: 422, retriable: false },
  ROW_INVALID: { status: 422, retriable: false },
  QUARANTINE_LIMIT_EXCEEDED: { status: 422, retriable: false },
  TARGET_INVALID: { status: 422, retriable: false },
  SOURCE_READ_FAILED: { status: 502, retriable: true },
  SOURCE_ACCESS_DENIED: { status: 422, retriable: false },
  DATABASE_UNAVAILABLE: { status: 503, retriable: true },
  KAFKA_UNAVAILABLE: { status: 503, retriable: true },
  INTERNAL: { status: 500, retriable: false },
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

/** Builds a FlowError whose status and retriable flag come from the catalog. */
export function flowError(
  code: ErrorCodeName,
  message: string,
  extra: { details?: unknown; context?: ErrorContext; cause?: unknown } = {},
): FlowError {
  const entry = ErrorCode[code];
  return new FlowError(code, message, { status: entry.status, retriable: entry.retriable, ...extra });
}

export function notFound(kind: string, id: string): FlowError {
  return flowError('NOT_FOUND', `${kind} "${id}" was not found.`, { details: { kind, id } });
}

export function streamingDisabled(pipelineName: string): FlowError {
  return flowError(
    'STREAMING_DISABLED',
    `Pipeline "${pipelineName}" uses loadMode "cdc_mirror", but streaming is disabled. Set FLOW_STREAMING_ENABLED=true on the API and runner to enable it.`,
  );
}
