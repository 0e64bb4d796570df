import { ERROR_CODES, SwarmletError, type ErrorCode } from '@swarmlet/api-types';

/** Network error codes that mean "nothing is answering there" rather than "the daemon failed". */
const UNREACHABLE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  // Connected, but no answer in time: as unavailable as a refused connection, for the caller.
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

function errnoOf(err: unknown): string | undefined {
  // undici wraps connect failures: the errno sits on the error or on its cause.
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a failure to reach the daemon into `UNAVAILABLE` with a hint, like docker's
 * "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon
 * running?". Other errors are returned unchanged.
 */
export function connectionError(err: unknown, target: string): unknown {
  const code = errnoOf(err);
  if (code === 'EACCES') {
    return new SwarmletError(
      'UNAVAILABLE',
      `permission denied while trying to connect to the swarmlet daemon at ${target}: ` +
        'the socket is root-only; run as root or use --host',
      { cause: err },
    );
  }
  if (code === undefined || !UNREACHABLE.has(code)) return err;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new SwarmletError(
      'UNAVAILABLE',
      `no answer from the swarmlet daemon at ${target} in time (${code})`,
      { cause: err },
    );
  }
  return new SwarmletError(
    'UNAVAILABLE',
    `cannot reach the swarmlet daemon at ${target}: is swarmletd running? (${code}; ` +
      'set --socket/SWARMLET_SOCKET or --host/SWARMLET_HOST to reach another daemon)',
    { cause: err },
  );
}

/** Rebuilds the server's `SwarmletError` from an error response (`{code, message, details?}`). */
export function responseError(status: number, text: string): SwarmletError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const body = parsed as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (body && isErrorCode(body.code) && typeof body.message === 'string') {
    const details =
      typeof body.details === 'object' && body.details !== null
        ? { details: body.details as Record<string, unknown> }
        : undefined;
    return new SwarmletError(body.code, body.message, details);
  }
  const code: ErrorCode =
    status === 503 ? 'UNAVAILABLE' : status === 404 ? 'NOT_FOUND' : 'INTERNAL';
  return new SwarmletError(
    code,
    `unexpected response ${status} from the daemon: ${text.slice(0, 200)}`,
  );
}
