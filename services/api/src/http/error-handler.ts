import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { flowError, notFound } from '@flow/shared/errors/catalog';
import { isFlowError, type FlowError } from '@flow/shared/errors/flow-error';
import { toValidationIssues } from './parse-input.ts';

/** Body of every error response. */
export interface ErrorResponse {
  error: { code: string; message: string; details: unknown };
}

function isFastifyError(error: unknown): error is FastifyError {
  if (!(error instanceof Error)) return false;
  const code: unknown = Reflect.get(error, 'code');
  return typeof code === 'string' && code.startsWith('FST_');
}

/** Maps any thrown value to the FlowError the client receives. */
export function toFlowError(error: unknown, bodyLimit: number): FlowError {
  if (isFlowError(error)) return error;

  if (error instanceof ZodError) {
    return flowError('VALIDATION_FAILED', 'Invalid request.', { details: { issues: toValidationIssues(error) }, cause: error });
  }

  if (isFastifyError(error)) {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return flowError('BODY_TOO_LARGE', `Request body is larger than the limit of ${bodyLimit} bytes (FLOW_API_BODY_LIMIT).`, {
        details: { limitBytes: bodyLimit },
        cause: error,
      });
    }
    // Fastify's own client errors: malformed JSON, unsupported content type, empty body.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return flowError('VALIDATION_FAILED', `Invalid request: ${error.message}`, { details: { reason: error.code }, cause: error });
    }
  }

  return flowError('INTERNAL', 'Internal error. The server log has the details under this request id.', { cause: error });
}

/**
 * Installs the error and not-found handlers: every error leaves as
 * `{ error: { code, message, details } }` with the status from the error catalog.
 * Client errors log at info, server errors at error.
 */
export function installErrorHandlers(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error, request, reply) => {
    const flow = toFlowError(error, bodyLimit);
    const details = flow.code === 'INTERNAL' ? { requestId: request.id } : (flow.details ?? null);

    if (flow.status >= 500) {
      request.log.error({ err: error, code: flow.code }, 'request failed');
    } else {
      request.log.info({ code: flow.code, reason: flow.message }, 'request rejected');
    }

    const body: ErrorResponse = { error: { code: flow.code, message: flow.message, details } };
    return reply.status(flow.status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const flow = notFound('Route', `${request.method} ${request.url.split('?')[0]}`);
    const body: ErrorResponse = { error: { code: flow.code, message: flow.message, details: flow.details ?? null } };
    return reply.status(flow.status).send(body);
  });
}
