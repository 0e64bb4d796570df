/**
 * The error catalogue. Domain packages throw `SwarmletError` with one of these codes and never
 * mention HTTP; the API maps codes to statuses in exactly one place (packages/api/src/errors.ts),
 * and the client turns `{code, message}` bodies back into `SwarmletError`.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONFLICT',
  'FAILED_PRECONDITION',
  'NOT_INITIALIZED',
  'ALREADY_INITIALIZED',
  'UNAVAILABLE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error type that crosses package boundaries. `details` must be JSON-serialisable. */
export class SwarmletError extends Error {
  override readonly name = 'SwarmletError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}

/** Narrowing helper that survives errors crossing module copies (checks shape, not prototype). */
export function isSwarmletError(err: unknown, code?: ErrorCode): err is SwarmletError {
  if (!(err instanceof Error) || err.name !== 'SwarmletError') return false;
  return code === undefined || (err as SwarmletError).code === code;
}

export function notFound(kind: string, ref: string): SwarmletError {
  return new SwarmletError('NOT_FOUND', `${kind} ${ref} not found`);
}

export function invalid(message: string, details?: Record<string, unknown>): SwarmletError {
  return new SwarmletError('INVALID_ARGUMENT', message, details ? { details } : undefined);
}
