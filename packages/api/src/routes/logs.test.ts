import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../app.js';
import { FakeControlApi } from '../testing/fake-control.js';

let fake: FakeControlApi;
let app: FastifyInstance;

beforeEach(async () => {
  fake = new FakeControlApi();
  app = buildApi({ control: fake });
  await fake.createService({ name: 'web', replicas: 2, task: { container: { image: 'busybox' } } });
  const [t1, t2] = [...fake.tasks.values()].sort((a, b) => a.slot - b.slot);
  fake.logBook.append(t1!.id, 'one');
  fake.logBook.append(t2!.id, 'two', 'stderr');
  fake.logBook.append(t1!.id, 'three');
});
afterEach(() => app.close());

describe('GET /v1/services/:ref/logs', () => {
  it('streams NDJSON, one entry per line, each task in order', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/services/web/logs?tail=all' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['slot'], l['stream'], l['text']])).toEqual([
      [1, 'stdout', 'one'],
      [1, 'stdout', 'three'],
      [2, 'stderr', 'two'],
    ]);
    expect(Object.keys(lines[0]!).sort()).toEqual(
      ['nodeId', 'nodeName', 'serviceName', 'slot', 'stream', 'taskId', 'text', 'timestamp'].sort(),
    );
  });

  it('passes the query on as a request and answers errors as JSON before streaming', async () => {
    await app.inject({
      method: 'GET',
      url: '/v1/services/web/logs?tail=1&since=10m&timestamps=false',
    });
    expect(fake.logBook.lastRequest).toEqual({
      follow: false,
      tail: 1,
      since: '10m',
      timestamps: false,
    });
    const missing = await app.inject({ method: 'GET', url: '/v1/services/nope/logs' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    const bad = await app.inject({ method: 'GET', url: '/v1/services/web/logs?tail=-1' });
    expect(bad.statusCode).toBe(400);
  });

  it('a followed stream sends lines as they come and aborts the signal when the client goes', async () => {
    let signal: AbortSignal | undefined;
    const open = fake.serviceLogs.bind(fake);
    fake.serviceLogs = async (ref, req, s) => ((signal = s), open(ref, req, s));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const got: string[] = [];
    const req = request({ host: '127.0.0.1', port, path: '/v1/services/web/logs?follow=true' });
    const firstThree = new Promise<void>((resolve) =>
      req.on('response', (res) =>
        res.on('data', (c: Buffer) => {
          got.push(...c.toString().split('\n').filter(Boolean));
          if (got.length >= 4) resolve();
        }),
      ),
    );
    req.end();
    await new Promise((r) => setTimeout(r, 100));
    const t1 = [...fake.tasks.values()].find((t) => t.slot === 1)!;
    fake.logBook.append(t1.id, 'live');
    await firstThree;
    expect((JSON.parse(got[3]!) as { text: string }).text).toBe('live');
    expect(signal?.aborted).toBe(false);
    req.destroy();
    for (let i = 0; i < 100 && !signal?.aborted; i++) await new Promise((r) => setTimeout(r, 10));
    expect(signal?.aborted).toBe(true);
  });

  it('serves one task on /v1/tasks/:ref/logs', async () => {
    const t2 = [...fake.tasks.values()].find((t) => t.slot === 2)!;
    const res = await app.inject({ method: 'GET', url: `/v1/tasks/${t2.id}/logs` });
    expect(
      res.body
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { text: string }).text),
    ).toEqual(['two']);
  });

  it('is documented in the OpenAPI schema as an NDJSON stream, with the volume routes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as {
      paths: Record<
        string,
        Record<
          string,
          { operationId: string; responses: Record<string, { content?: Record<string, unknown> }> }
        >
      >;
    };
    const op = doc.paths['/v1/services/{ref}/logs']?.['get'];
    expect(op?.operationId).toBe('serviceLogs');
    expect(Object.keys(op?.responses['200']?.content ?? {})).toEqual(['application/x-ndjson']);
    expect(doc.paths['/v1/tasks/{ref}/logs']?.['get']?.operationId).toBe('taskLogs');
    expect(doc.paths['/v1/volumes']?.['get']?.operationId).toBe('listVolumes');
    expect(doc.paths['/v1/volumes/{name}']?.['delete']?.operationId).toBe('removeVolume');
  });
});

describe('volume routes', () => {
  it('list and remove, with a 409 while in use', async () => {
    const v = { nodeId: fake.nodes[0]!.id, nodeName: 'host-1', driver: 'local', labels: {} };
    fake.logBook.volumes.push({ ...v, name: 'a', inUse: false }, { ...v, name: 'b', inUse: true });
    const list = await app.inject({ method: 'GET', url: '/v1/volumes?node=host-1' });
    expect((list.json() as { volumes: { name: string }[] }).volumes.map((x) => x.name)).toEqual([
      'a',
      'b',
    ]);
    const rm = await app.inject({ method: 'DELETE', url: '/v1/volumes/a' });
    expect(rm.json()).toEqual({ nodes: [{ nodeId: v.nodeId, nodeName: 'host-1' }], notices: [] });
    const busy = await app.inject({ method: 'DELETE', url: '/v1/volumes/b?node=host-1' });
    expect(busy.statusCode).toBe(409);
  });
});
