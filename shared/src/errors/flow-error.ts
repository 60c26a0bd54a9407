/** Ids that locate an error. Each is optional, and the layer that has it fills it in. */
export interface ErrorContext {
  tenantId?: string;
  pipelineId?: string;
  runId?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  [field: string]: unknown;
}

export interface FlowErrorOptions {
  /** HTTP status when the error reaches the API. */
  status: number;
  /** True for transient failures that the same request may survive when retried. */
  retriable: boolean;
  details?: unknown;
  context?: ErrorContext;
  cause?: unknown;
}

/** Base class of every error Flow raises on purpose, with a stable `AREA_WHAT` code. */
export class FlowError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retriable: boolean;
  readonly details: unknown;
  readonly context: ErrorContext;

  constructor(code: string, message: string, options: FlowErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'FlowError';
    this.code = code;
    this.status = options.status;
    this.retriable = options.retriable;
    this.details = options.details;
    this.context = options.context ?? {};
  }

  /** Returns a copy carrying extra context ids, keeping code, status and cause. */
  withContext(context: ErrorContext): FlowError {
    return new FlowError(this.code, this.message, {
      status: this.status,
      retriable: this.retriable,
      details: this.details,
      context: { ...this.context, ...context },
      cause: this.cause,
    });
  }
}

export function isFlowError(error: unknown): error is FlowError {
  return error instanceof FlowError;
}
