import { ExecutorError, isExecutorError, type ExecutorErrorKind } from '@swarmlet/agent';

/** Socket-level failures: the engine is down or restarting, so a retry may succeed. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

interface EngineErrorShape {
  statusCode?: unknown;
  code?: unknown;
  json?: unknown;
  message?: unknown;
}

function shape(err: unknown): EngineErrorShape {
  return typeof err === 'object' && err !== null ? (err as EngineErrorShape) : {};
}

/** HTTP status of a dockerode error, or undefined for socket errors. */
export function statusCode(err: unknown): number | undefined {
  const code = shape(err).statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** True for "engine did not answer" errors (as opposed to the engine refusing the request). */
export function isUnreachable(err: unknown): boolean {
  const code = shape(err).code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

/** The engine's own message (`{"message": ...}` body) rather than dockerode's "(HTTP code N) ..." wrapper. */
export function engineMessage(err: unknown): string {
  const { json, message } = shape(err);
  if (
    typeof json === 'object' &&
    json !== null &&
    'message' in json &&
    typeof json.message === 'string'
  ) {
    return json.message;
  }
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString().trim();
  // Streamed requests (pull) carry no parsed body: strip dockerode's "(HTTP code 500) server error - ".
  if (typeof message === 'string') return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
  return String(err);
}

/**
 * Wraps an engine error. By default it is temporary when the engine was unreachable or answered
 * 5xx; callers pass `temporary` where the operation decides otherwise.
 */
export function toExecutorError(
  kind: ExecutorErrorKind,
  err: unknown,
  temporary?: boolean,
): ExecutorError {
  if (isExecutorError(err)) return err;
  const status = statusCode(err);
  const isTemporary = temporary ?? (isUnreachable(err) || (status !== undefined && status >= 500));
  const prefix = isUnreachable(err) ? 'docker engine unreachable: ' : '';
  return new ExecutorError(kind, prefix + engineMessage(err), isTemporary, { cause: err });
}
