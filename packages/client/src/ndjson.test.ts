import { describe, expect, it } from 'vitest';
import { isSwarmletError } from '@swarmlet/api-types';
import { readNdjson } from './ndjson.js';

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readNdjson', () => {
  it('parses objects split anywhere across chunks, including a last line without newline', async () => {
    const text = '{"a":1}\n{"b":"é"}\n\n{"c":3}';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      async function* two(): AsyncGenerator<Buffer> {
        yield bytes.subarray(0, cut);
        yield bytes.subarray(cut);
      }
      expect(await collect(readNdjson(two()))).toEqual([{ a: 1 }, { b: 'é' }, { c: 3 }]);
    }
  });

  it('throws the error line the server sent mid-stream', async () => {
    const got: unknown[] = [];
    try {
      for await (const x of readNdjson(
        chunks('{"a":1}\n{"error":{"code":"UNAVAILABLE","message":"gone"}}\n'),
      ))
        got.push(x);
      expect.unreachable();
    } catch (err) {
      expect(isSwarmletError(err, 'UNAVAILABLE')).toBe(true);
      expect((err as Error).message).toBe('gone');
    }
    expect(got).toEqual([{ a: 1 }]);
  });
});
