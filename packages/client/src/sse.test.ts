import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi } from '@swarmlet/api';
import { FakeControlApi } from '@swarmlet/api/testing';
import {
  isSwarmletError,
  SwarmletError,
  type ControlApi,
  type EventStreamItem,
} from '@swarmlet/api-types';
import { afterEach, describe, expect, it } from 'vitest';
import { SwarmletClient } from './client.js';
import { eventItems, readSse, type SseMessage } from './sse.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}

describe('readSse', () => {
  it('dispatches on blank lines, joins data lines, skips comments, across any chunking', async () => {
    const text =
      ': swarmlet events\n\nid: 1-0\ndata: {"a":1}\n\n: keep-alive\n\n' +
      'event: notice\ndata: line one\ndata:line two\n\nid: 2-0\r\ndata: é\r\n\r\n' +
      'data: cut off at the end';
    const expected: SseMessage[] = [
      { event: 'message', data: '{"a":1}', id: '1-0' },
      { event: 'notice', data: 'line one\nline two' },
      { event: 'message', data: 'é', id: '2-0' },
    ];
    expect(await collect(readSse(chunks(text)))).toEqual(expected);
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 7]) {
      // Split the UTF-8 bytes, not the characters: `é` and CRLF get cut in half.
      const split = async function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      };
      expect(await collect(readSse(split())), `chunks of ${size}`).toEqual(expected);
    }
  });
});

describe('eventItems', () => {
  it('maps notices and events, and throws the error frame as its SwarmletError', async () => {
    const msgs = async function* (): AsyncGenerator<SseMessage> {
      yield { event: 'notice', data: '{"message":"older events are gone"}' };
      yield { event: 'message', data: '{"id":"1-0","type":"service"}', id: '1-0' };
      yield { event: 'error', data: '{"code":"UNAVAILABLE","message":"too slow"}' };
      yield { event: 'message', data: '{"id":"never"}' };
    };
    const seen: EventStreamItem[] = [];
    const err = await (async () => {
      for await (const i of eventItems(msgs())) seen.push(i);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([
      { kind: 'notice', message: 'older events are gone' },
      { kind: 'event', event: { id: '1-0', type: 'service' } },
    ]);
    expect(isSwarmletError(err, 'UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toBe('too slow');
  });
});

describe('SwarmletClient.events over a unix socket', () => {
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function serve(control: ControlApi): Promise<SwarmletClient> {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlet-sse-'));
    dirs.push(dir);
    const app = buildApi({ control });
    await app.listen({ path: join(dir, 'api.sock') });
    const client = new SwarmletClient({ socketPath: join(dir, 'api.sock') });
    closers.push(
      () => app.close(),
      () => client.close(),
    );
    return client;
  }

  it('replays from lastEventId, follows live events, and ends quietly on abort', async () => {
    const fake = new FakeControlApi();
    const client = await serve(fake);
    fake.eventSource.emit('service', 'create', 's1', { name: 'a' });
    fake.eventSource.emit('service', 'create', 's2', { name: 'b' });
    const ac = new AbortController();
    const stream = await client.events(
      { lastEventId: '1-0', filters: { name: ['b', 'c'] } },
      ac.signal,
    );
    const got: string[] = [];
    const reading = (async () => {
      for await (const i of stream) {
        if (i.kind === 'event') got.push(`${i.event.id} ${i.event.actor.attributes['name']}`);
        if (got.length === 1) fake.eventSource.emit('service', 'create', 's3', { name: 'c' });
        if (got.length === 2) ac.abort();
      }
    })();
    await reading;
    expect(got).toEqual(['2-0 b', '3-0 c']);
    for (let i = 0; i < 100 && fake.eventSource.readers > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fake.eventSource.readers).toBe(0);
  });

  it('a refused request rejects at open; a failing stream throws its error', async () => {
    const client = await serve(new FakeControlApi());
    const err = await client
      .events({ filters: { type: ['container' as never] } }, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(isSwarmletError(err, 'INVALID_ARGUMENT')).toBe(true);
    const failing = {
      events: async () =>
        (async function* () {
          yield { kind: 'notice', message: 'hello' } as EventStreamItem;
          throw new SwarmletError('UNAVAILABLE', 'event stream dropped: too slow');
        })(),
    } as unknown as ControlApi;
    const other = await serve(failing);
    const stream = await other.events({}, new AbortController().signal);
    const seen: string[] = [];
    const end = await (async () => {
      for await (const i of stream) seen.push(i.kind);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['notice']);
    expect(isSwarmletError(end, 'UNAVAILABLE')).toBe(true);
  });
});
