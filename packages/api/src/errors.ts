import { ERROR_CODES, isSwarmletError, type ErrorBody, type ErrorCode } from '@swarmlet/api-types';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The one place where error codes become HTTP statuses (STYLE rule 7). Docker-like choices:
 * state conflicts (`ALREADY_EXISTS`, `CONFLICT`, `FAILED_PRECONDITION`, `ALREADY_INITIALIZED`)
 * are 409 as in Docker's errdefs.Conflict; `NOT_INITIALIZED` is 503 as Docker answers
 * "This node is not a swarm manager"; everything unexpected is 500.
 */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  FAILED_PRECONDITION: 409,
  ALREADY_INITIALIZED: 409,
  NOT_INITIALIZED: 503,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** True when `code` is one of the catalogue's codes (used by clients reading error bodies). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Renders one schema validation error as `body.task.container.image: must have ...`. */
function describeValidationError(context: string, e: AjvLikeError): string {
  const path = (e.instancePath ?? '').split('/').filter(Boolean).join('.');
  const where = path === '' ? context : `${context}.${path}`;
  const params = e.params ?? {};
  if (e.keyword === 'additionalProperties') {
    return `${where}: unknown field "${String(params['additionalProperty'])}"`;
  }
  if (e.keyword === 'required') {
    return `${where}: missing required field "${String(params['missingProperty'])}"`;
  }
  if (e.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    return `${where}: must be one of ${params['allowedValues'].join(', ')}`;
  }
  return `${where}: ${e.message ?? 'is invalid'}`;
}

/** Maps any thrown value to the wire body and status. Unknown errors never leak their text. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (isSwarmletError(err)) {
    const body: ErrorBody = { code: err.code, message: err.message };
    if (err.details !== undefined) body.details = err.details;
    return { status: ERROR_STATUS[err.code], body };
  }
  const fe = err as Partial<FastifyError>;
  if (Array.isArray(fe.validation)) {
    const context = fe.validationContext ?? 'request';
    const messages = fe.validation.map((v) => describeValidationError(context, v as AjvLikeError));
    const body: ErrorBody = { code: 'INVALID_ARGUMENT', message: messages.join('; ') };
    return { status: ERROR_STATUS.INVALID_ARGUMENT, body };
  }
  // Fastify's own client errors (bad JSON, wrong content type, body too large): the caller's fault.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const body: ErrorBody = { code: 'INVALID_ARGUMENT', message: fe.message ?? 'bad request' };
    return { status: ERROR_STATUS.INVALID_ARGUMENT, body };
  }
  return { status: ERROR_STATUS.INTERNAL, body: { code: 'INTERNAL', message: 'internal error' } };
}

/** Root error handler: logs unexpected errors with their stack, answers `{code, message}`. */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toErrorBody(err);
  if (status >= 500) req.log.error({ err }, 'request failed');
  return reply.status(status).send(body);
}

/** Unknown routes answer like unknown objects, so clients need one code path. */
export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body: ErrorBody = { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.url}` };
  return reply.status(ERROR_STATUS.NOT_FOUND).send(body);
}
