import { createReadStream } from 'node:fs';

/** The two kinds of object whose value the CLI reads from a file or stdin. */
export type DataKind = 'secret' | 'config';

/**
 * Docker's size limits (500 KB for a secret, 1000 KB for a config, KB = 1024 bytes). Checked
 * here so a too-large file fails before it is sent; the manager checks again.
 */
export const DATA_LIMITS: Readonly<Record<DataKind, number>> = {
  secret: 500 * 1024,
  config: 1000 * 1024,
};

/**
 * The process's stdin, for `FILE` given as `-`. A function so that only that case touches it
 * (and tests can stand in for it).
 */
export function processStdin(): AsyncIterable<Uint8Array> {
  return process.stdin;
}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

function label(source: string): string {
  return source === '-' ? 'stdin' : `"${source}"`;
}

/**
 * Collects `input` and throws once it holds more than `limit` bytes (so a huge file or an
 * endless pipe is not read to its end). The caller names the source in the messages.
 */
async function readBounded(input: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += chunk.byteLength;
    if (size > limit) throw new RangeError(`more than ${limit} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function readError(kind: DataKind, source: string, err: unknown): Error {
  if (err instanceof RangeError) {
    const limit = DATA_LIMITS[kind];
    return new Error(
      `${kind} data from ${label(source)} is too large: the limit is ${limit / 1024} KB (${limit} bytes)`,
    );
  }
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const why = ERRNO[code] ?? (err instanceof Error ? err.message : String(err));
  return new Error(`error reading content from ${label(source)}: ${why}`);
}

/**
 * The value of `secret create NAME FILE` and the other writes: the file's bytes, or all of
 * `stdin` for `-`. Throws a plain Error naming the file (exit 1, `Error: ...`) when it cannot be
 * read, is empty, or is over `DATA_LIMITS[kind]`.
 */
export async function readData(
  kind: DataKind,
  source: string,
  stdin: AsyncIterable<Uint8Array>,
): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readBounded(source === '-' ? stdin : createReadStream(source), DATA_LIMITS[kind]);
  } catch (err) {
    throw readError(kind, source, err);
  }
  if (data.byteLength === 0) throw new Error(`${kind} data from ${label(source)} is empty`);
  return data;
}
