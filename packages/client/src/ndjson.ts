import { ERROR_CODES, SwarmletError, type ErrorCode } from '@swarmlet/api-types';

/**
 * Parses a newline-delimited JSON body (one object per line) as it arrives; a partial last line
 * waits for the rest. A line `{"error": {code, message}}` is an error the server met
 * mid-stream, thrown as `SwarmletError`. Ends when the body ends.
 */
export async function* readNdjson<T>(body: AsyncIterable<Buffer | string>): AsyncGenerator<T> {
  let rest = '';
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line.trim() !== '') yield parseLine<T>(line);
      nl = rest.indexOf('\n');
    }
  }
  if (rest.trim() !== '') yield parseLine<T>(rest);
}

function parseLine<T>(line: string): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new SwarmletError(
      'INTERNAL',
      `invalid JSON line from the daemon: ${line.slice(0, 200)}`,
      {
        cause: err,
      },
    );
  }
  const v = value as { error?: { code?: string; message?: string } };
  if (typeof v.error === 'object' && v.error !== null) {
    const code = (ERROR_CODES as readonly string[]).includes(v.error.code ?? '')
      ? (v.error.code as ErrorCode)
      : 'INTERNAL';
    throw new SwarmletError(code, v.error.message ?? 'the stream failed');
  }
  return value as T;
}
