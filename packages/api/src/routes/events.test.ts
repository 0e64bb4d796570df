import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  SwarmletError,
  type ClusterEvent,
  type ControlApi,
  type EventStreamItem,
} from '@swarmlet/api-types';
import { buildApi } from '../app.js';
import { errorHandler } from '../errors.js';
import { FakeControlApi } from '../testing/index.js';
import { eventRoutes } from './events.js';

const apps: FastifyInstance[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const a of apps.splice(0)) await a.close();
});

/** A fake with three service events (one second apart from 12:00:01) and `until` after them. */
function fakeWithEvents(): { fake: FakeControlApi; until: string } {
  const fake = new FakeControlApi();
  fake.eventSource.emit('service', 'create', 'svc1', { name: 'web' });
  fake.eventSource.emit('node', 'update', 'node1', { name: 'h1', 'state.new': 'down' });
  fake.eventSource.emit('service', 'remove', 'svc1', { name: 'web' });
  return { fake, until: '2026-11-21T12:00:03.000Z' };
}

/** Splits an SSE body into its frames (blank-line separated). */
const frames = (body: string): string[] => body.split('\n\n').filter((f) => f !== '');

async function listen(control: ControlApi, opts = {}): Promise<{ port: number }> {
  const app = Fastify();
  app.setErrorHandler(errorHandler);
  await app.register(eventRoutes, { control, prefix: '/v1', ...opts });
  await app.listen({ host: '127.0.0.1', port: 0 });
  apps.push(app);
  return { port: (app.server.address() as AddressInfo).port };
}

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('GET /v1/events', () => {
  it('frames events as SSE (id + data), a notice first, and ends at `until`', async () => {
    const { fake, until } = fakeWithEvents();
    fake.eventSource.notice = 'events before X are not available';
    const app = buildApi({ control: fake });
    const res = await app.inject({
      url: `/v1/events?since=2026-11-21T12:00:00Z&until=${until}&type=service`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const [hello, notice, first, second, ...rest] = frames(res.body);
    expect(hello).toBe(': swarmlet events');
    expect(notice).toBe('event: notice\ndata: {"message":"events before X are not available"}');
    expect(first).toBe(`id: 1-0\ndata: ${JSON.stringify(fake.eventSource.emitted[0])}`);
    expect(second?.startsWith('id: 3-0\ndata: ')).toBe(true);
    expect(rest).toEqual([]);
  });

  it('takes filter lists comma-separated or repeated, and resumes after Last-Event-ID', async () => {
    const { fake, until } = fakeWithEvents();
    const app = buildApi({ control: fake });
    const ids = async (query: string, headers: Record<string, string> = {}) => {
      const res = await app.inject({ url: `/v1/events?until=${until}&${query}`, headers });
      return frames(res.body)
        .filter((f) => f.startsWith('id: '))
        .map((f) => f.split('\n')[0]);
    };
    const since = 'since=1700000000';
    expect(await ids(`${since}&type=service,node`)).toEqual(['id: 1-0', 'id: 2-0', 'id: 3-0']);
    expect(await ids(`${since}&type=node&type=service&event=remove`)).toEqual(['id: 3-0']);
    expect(await ids(`${since}&name=h1`)).toEqual(['id: 2-0']);
    expect(await ids('', { 'last-event-id': '1-0' })).toEqual(['id: 2-0', 'id: 3-0']);
    expect(await ids('lastEventId=2-0')).toEqual(['id: 3-0']);
  });

  it('refuses a bad filter or time with a JSON 400 before any stream starts', async () => {
    const app = buildApi({ control: new FakeControlApi() });
    for (const q of ['type=container', 'event=die', 'since=yesterday', 'colour=red']) {
      const res = await app.inject({ url: `/v1/events?${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('skips the read barrier: a manager without quorum still streams its own events', async () => {
    const { fake, until } = fakeWithEvents();
    const beforeRead = async (): Promise<void> => {
      throw new SwarmletError('UNAVAILABLE', 'no quorum');
    };
    const app = buildApi({ control: fake, beforeRead });
    expect((await app.inject({ url: '/v1/services' })).statusCode).toBe(503);
    const res = await app.inject({ url: `/v1/events?since=1700000000&until=${until}` });
    expect(res.statusCode).toBe(200);
    expect(frames(res.body).filter((f) => f.startsWith('id: '))).toHaveLength(3);
  });

  it('is in the OpenAPI document as a text/event-stream of ClusterEvent', async () => {
    const app = buildApi({ control: new FakeControlApi() });
    const doc = (await app.inject({ url: '/v1/openapi.json' })).json();
    const op = doc.paths['/v1/events'].get;
    expect(op.operationId).toBe('streamEvents');
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['type', 'event', 'name', 'id', 'since', 'until', 'last-event-id']),
    );
  });

  it('streams live events over a real socket; a client that disconnects is unsubscribed', async () => {
    const fake = new FakeControlApi();
    const { port } = await listen(fake, { heartbeatMs: 20 });
    const raw = await rawGet(port, '/v1/events?type=service');
    await waitFor('the subscription', () => fake.eventSource.readers === 1);
    await fake.createService({ name: 'api', task: { container: { image: 'busybox' } } });
    fake.eventSource.emit('node', 'update', 'n1', { name: 'h1' }); // filtered out
    await new Promise((r) => setTimeout(r, 60)); // heartbeats in between are comments
    await fake.removeService('api');
    await waitFor('two events', () => (raw.text().match(/\nid: /g) ?? []).length === 2);
    const events = frames(raw.text().split('\r\n\r\n')[1] ?? '')
      .filter((f) => f.startsWith('id: '))
      .map((f) => JSON.parse(f.split('\ndata: ')[1] ?? '') as ClusterEvent);
    expect(events.map((e) => `${e.type} ${e.action} ${e.actor.attributes['name']}`)).toEqual([
      'service create api',
      'service remove api',
    ]);
    raw.socket.destroy();
    await waitFor('the server to drop the reader', () => fake.eventSource.readers === 0);
  });

  it('closing the server ends open streams instead of waiting for their clients', async () => {
    const fake = new FakeControlApi();
    const app = buildApi({ control: fake });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const raw = await rawGet((app.server.address() as AddressInfo).port, '/v1/events');
    await waitFor('the subscription', () => fake.eventSource.readers === 1);
    const t0 = Date.now();
    await app.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitFor('the stream to end', () => raw.ended);
    expect(fake.eventSource.readers).toBe(0);
  });

  it('sends keep-alive comments while idle', async () => {
    const { port } = await listen(new FakeControlApi(), { heartbeatMs: 20 });
    const raw = await rawGet(port, '/v1/events');
    await new Promise((r) => setTimeout(r, 100));
    raw.socket.destroy();
    expect(raw.text().match(/: keep-alive\n\n/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('a stream that fails ends with an error frame', async () => {
    const event = fakeWithEvents().fake.eventSource.emitted[0] as ClusterEvent;
    const control = {
      events: async () =>
        (async function* () {
          yield { kind: 'event', event } as EventStreamItem;
          throw new SwarmletError('UNAVAILABLE', 'event stream dropped: too slow');
        })(),
    } as unknown as ControlApi;
    const { port } = await listen(control);
    const raw = await rawGet(port, '/v1/events');
    await waitFor('the end of the stream', () => raw.ended);
    expect(frames(raw.text().split('\r\n\r\n')[1] ?? '').slice(-1)).toEqual([
      'event: error\ndata: {"code":"UNAVAILABLE","message":"event stream dropped: too slow"}',
    ]);
  });

  it('a client that stops reading is disconnected once its socket stays full for stallMs', async () => {
    let produced = 0;
    let released = false;
    const big = 'x'.repeat(16_384);
    const control = {
      events: async () =>
        (async function* () {
          try {
            for (;;) {
              produced++;
              yield { kind: 'notice', message: big } as EventStreamItem;
            }
          } finally {
            released = true;
          }
        })(),
    } as unknown as ControlApi;
    const { port } = await listen(control, { stallMs: 200 });
    const raw = await rawGet(port, '/v1/events');
    raw.socket.pause(); // reads nothing more: kernel buffers fill, then the server's writes wait
    await waitFor('the server to give up on the reader', () => released);
    // Only what fits in the socket buffers was produced (bounded), not an ever-growing backlog.
    expect(produced).toBeLessThan(5_000);
    raw.socket.resume();
    await waitFor('the connection to close', () => raw.ended);
  });
});

/** A raw HTTP/1.0 GET (no chunked encoding, closed at the end) collecting what arrives. */
async function rawGet(port: number, path: string) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise((r) => socket.once('connect', r));
  const chunks: Buffer[] = [];
  const state = { ended: false };
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('close', () => (state.ended = true));
  socket.on('error', () => (state.ended = true));
  socket.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  return {
    socket,
    text: () => Buffer.concat(chunks).toString('utf8'),
    get ended() {
      return state.ended;
    },
  };
}
