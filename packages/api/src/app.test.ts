import { SwarmletError, type ServiceSpecInput } from '@swarmlet/api-types';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildApi, OPENAPI_PATH } from './app.js';
import { FakeControlApi } from './testing/fake-control.js';

const web: ServiceSpecInput = { name: 'web', replicas: 2, task: { container: { image: 'nginx' } } };

let fake: FakeControlApi;
let app: FastifyInstance;

beforeEach(() => {
  fake = new FakeControlApi();
  app = buildApi({ control: fake });
});
afterEach(async () => app.close());

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  const res = await app.inject({ method, url, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() };
}

describe('info and cluster routes', () => {
  it('GET /v1/info returns the node info', async () => {
    const res = await call('GET', '/v1/info');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'active', role: 'manager', nodes: 1 });
  });

  it('POST /v1/cluster/init creates the cluster, with or without a body', async () => {
    fake = new FakeControlApi({ initialized: false });
    app = buildApi({ control: fake });
    expect((await call('GET', '/v1/cluster')).status).toBe(503);
    const res = await app.inject({ method: 'POST', url: '/v1/cluster/init' });
    expect(res.statusCode).toBe(200);
    expect(res.json().spec.name).toBe('default');
    expect((await call('GET', '/v1/cluster')).body.id).toBe(res.json().id);
  });

  it('passes init options through and answers 409 ALREADY_INITIALIZED the second time', async () => {
    fake = new FakeControlApi({ initialized: false });
    app = buildApi({ control: fake });
    const res = await call('POST', '/v1/cluster/init', {
      clusterName: 'prod',
      heartbeatPeriodMs: 1000,
    });
    expect(res.body.spec).toMatchObject({ name: 'prod', dispatcher: { heartbeatPeriodMs: 1000 } });
    const again = await call('POST', '/v1/cluster/init', {});
    expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_INITIALIZED' } });
  });

  it('rejects an init heartbeat below the schema minimum', async () => {
    const res = await call('POST', '/v1/cluster/init', { heartbeatPeriodMs: 5 });
    expect(res).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
    expect(res.body.message).toContain('body.heartbeatPeriodMs');
  });
});

describe('service routes', () => {
  it('creates (201), lists, gets by name and id prefix', async () => {
    const created = await call('POST', '/v1/services', web);
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({ name: 'web', replicas: 2, mode: 'replicated' });
    expect(created.body.serviceStatus).toEqual({ runningTasks: 0, desiredTasks: 2 });
    const list = await call('GET', '/v1/services');
    expect(list.body).toHaveLength(1);
    expect((await call('GET', '/v1/services/web')).body.id).toBe(created.body.id);
    const byPrefix = await call('GET', `/v1/services/${created.body.id.slice(0, 6)}`);
    expect(byPrefix.body.spec.name).toBe('web');
  });

  it('updates with a version and answers 409 CONFLICT on a stale one', async () => {
    const created = (await call('POST', '/v1/services', web)).body;
    const spec = { ...web, task: { container: { image: 'nginx:2' } } };
    const ok = await call('POST', '/v1/services/web/update', {
      version: created.meta.version,
      spec,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.spec.task.container.image).toBe('nginx:2');
    const stale = await call('POST', '/v1/services/web/update', {
      version: created.meta.version,
      spec,
    });
    expect(stale).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
  });

  it('scales', async () => {
    await call('POST', '/v1/services', web);
    const res = await call('POST', '/v1/services/web/scale', { replicas: 5 });
    expect(res.status).toBe(200);
    expect(res.body.spec.replicas).toBe(5);
  });

  it('removes with 204 and then answers 404 NOT_FOUND', async () => {
    await call('POST', '/v1/services', web);
    const res = await app.inject({ method: 'DELETE', url: '/v1/services/web' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const gone = await call('GET', '/v1/services/web');
    expect(gone).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'service web not found' },
    });
  });

  it('answers 409 ALREADY_EXISTS for a duplicate name', async () => {
    await call('POST', '/v1/services', web);
    expect((await call('POST', '/v1/services', web)).body.code).toBe('ALREADY_EXISTS');
  });
});

describe('request validation', () => {
  it.each([
    [
      'negative replicas',
      '/v1/services/web/scale',
      { replicas: -1 },
      'body.replicas: must be >= 0',
    ],
    [
      'string replicas',
      '/v1/services/web/scale',
      { replicas: '3' },
      'body.replicas: must be integer',
    ],
    [
      'missing image',
      '/v1/services',
      { name: 'x', task: { container: {} } },
      'missing required field "image"',
    ],
    ['unknown field', '/v1/services', { ...web, replica: 3 }, 'body: unknown field "replica"'],
    [
      'nested unknown field',
      '/v1/services',
      { name: 'x', task: { container: { image: 'a', ports: [] } } },
      'body.task.container: unknown field "ports"',
    ],
    [
      'bad restart condition',
      '/v1/services',
      { name: 'x', task: { container: { image: 'a' }, restartPolicy: { condition: 'always' } } },
      'body.task.restartPolicy.condition',
    ],
    [
      'update without spec',
      '/v1/services/web/update',
      { version: 1 },
      'missing required field "spec"',
    ],
  ])('%s → 400 INVALID_ARGUMENT', async (_name, url, payload, message) => {
    const res = await call('POST', url, payload);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENT');
    expect(res.body.message).toContain(message);
  });

  it('reports malformed JSON as INVALID_ARGUMENT', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/services',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_ARGUMENT');
  });

  it('rejects unknown task filters and bad desired states', async () => {
    expect((await call('GET', '/v1/tasks?color=red')).body.message).toContain(
      'unknown field "color"',
    );
    const bad = await call('GET', '/v1/tasks?desiredState=bogus');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('must be one of new, pending');
  });
});

describe('task and node routes', () => {
  it('lists tasks with filters and gets one', async () => {
    await call('POST', '/v1/services', web);
    await call('POST', '/v1/services', { ...web, name: 'api', replicas: 1 });
    expect((await call('GET', '/v1/tasks')).body).toHaveLength(3);
    const webTasks = (await call('GET', '/v1/tasks?service=web&desiredState=running')).body;
    expect(webTasks.map((t: { slot: number }) => t.slot).sort()).toEqual([1, 2]);
    expect((await call('GET', '/v1/tasks?service=&node=')).body).toHaveLength(3);
    const one = await call('GET', `/v1/tasks/${webTasks[0].id}`);
    expect(one.body.serviceName).toBe('web');
    expect((await call('GET', '/v1/tasks/nope')).status).toBe(404);
  });

  it('passes the node filter and reports an unknown service as 404', async () => {
    const spy = vi.spyOn(fake, 'listTasks');
    const res = await call('GET', '/v1/tasks?node=host-1&service=web');
    expect(spy).toHaveBeenCalledWith({ node: 'host-1', service: 'web' });
    expect(res).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('lists nodes and gets one by hostname', async () => {
    const nodes = (await call('GET', '/v1/nodes')).body;
    expect(nodes).toHaveLength(1);
    const node = await call('GET', '/v1/nodes/host-1');
    expect(node.body.id).toBe(nodes[0].id);
    expect((await call('GET', '/v1/nodes/zzz')).body.code).toBe('NOT_FOUND');
  });
});

describe('error mapping', () => {
  it.each([
    ['INVALID_ARGUMENT', 400],
    ['UNAUTHORIZED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['CONFLICT', 409],
    ['FAILED_PRECONDITION', 409],
    ['NOT_INITIALIZED', 503],
    ['UNAVAILABLE', 503],
    ['INTERNAL', 500],
  ] as const)('%s → %i with code, message and details', async (code, status) => {
    vi.spyOn(fake, 'listServices').mockRejectedValue(
      new SwarmletError(code, 'it went wrong', { details: { why: 1 } }),
    );
    const res = await call('GET', '/v1/services');
    expect(res).toEqual({ status, body: { code, message: 'it went wrong', details: { why: 1 } } });
  });

  it('hides unexpected errors behind 500 INTERNAL without a stack', async () => {
    vi.spyOn(fake, 'listNodes').mockRejectedValue(new TypeError('secret /etc/path exploded'));
    const res = await call('GET', '/v1/nodes');
    expect(res).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'internal error' } });
  });

  it('answers unknown routes with NOT_FOUND', async () => {
    const res = await call('GET', '/v2/whatever');
    expect(res).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});

describe('OpenAPI', () => {
  it('documents every route with request and response schemas', async () => {
    const doc = (await call('GET', OPENAPI_PATH)).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/cluster',
      '/v1/cluster/init',
      '/v1/configs',
      '/v1/configs/{ref}',
      '/v1/configs/{ref}/update',
      '/v1/events',
      '/v1/info',
      '/v1/networks',
      '/v1/networks/{ref}',
      '/v1/nodes',
      '/v1/nodes/{ref}',
      '/v1/nodes/{ref}/update',
      '/v1/secrets',
      '/v1/secrets/{ref}',
      '/v1/secrets/{ref}/update',
      '/v1/services',
      '/v1/services/{ref}',
      '/v1/services/{ref}/logs',
      '/v1/services/{ref}/rollback',
      '/v1/services/{ref}/scale',
      '/v1/services/{ref}/update',
      '/v1/tasks',
      '/v1/tasks/{ref}',
      '/v1/tasks/{ref}/logs',
      '/v1/volumes',
      '/v1/volumes/{name}',
    ]);
    expect(Object.keys(doc.paths['/v1/services'].post.responses)).toEqual(['201', '4XX', '5XX']);
    expect(doc.paths['/v1/services/{ref}/scale'].post.operationId).toBe('scaleService');
    expect(doc.paths['/v1/services'].post.requestBody.required).toBe(true);
    const params = doc.paths['/v1/tasks'].get.parameters.map((p: { name: string }) => p.name);
    expect(params.sort()).toEqual(['desiredState', 'node', 'service']);
  });
});

describe('hooks the daemon plugs in', () => {
  it('beforeRead runs before reads of cluster state, not for /info, writes or local reads', async () => {
    const reads: string[] = [];
    app = buildApi({
      control: fake,
      beforeRead: async (req) => void reads.push(`${req.method} ${req.url}`),
    });
    await app.inject({ method: 'GET', url: '/v1/services' });
    await app.inject({ method: 'GET', url: '/v1/info' });
    await app.inject({ method: 'POST', url: '/v1/services', payload: web });
    await app.inject({
      method: 'GET',
      url: '/v1/nodes',
      headers: { 'x-swarmlet-consistency': 'local' },
    });
    expect(reads).toEqual(['GET /v1/services']);
  });

  it('a failing beforeRead fails the read with its error', async () => {
    app = buildApi({
      control: fake,
      beforeRead: async () => {
        throw new SwarmletError('UNAVAILABLE', 'raft: read index timed out');
      },
    });
    const res = await call('GET', '/v1/services');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'UNAVAILABLE', message: 'raft: read index timed out' });
  });

  it('authorize refuses with 401 or 403 before the route runs', async () => {
    const spy = vi.spyOn(fake, 'createService');
    app = buildApi({
      control: fake,
      authorize: (req) => {
        if (!req.headers.authorization) throw new SwarmletError('UNAUTHORIZED', 'no token');
        if (req.method !== 'GET') throw new SwarmletError('FORBIDDEN', 'read-only');
      },
    });
    expect((await call('GET', '/v1/services')).status).toBe(401);
    const ro = await app.inject({
      method: 'POST',
      url: '/v1/services',
      payload: web,
      headers: { authorization: 'Bearer x' },
    });
    expect(ro.statusCode).toBe(403);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('network routes', () => {
  it('creates, lists, shows and removes networks; bad input is a 400', async () => {
    const created = await call('POST', '/v1/networks', { name: 'backend', subnet: '10.9.0.0/24' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ spec: { name: 'backend', driver: 'overlay' } });
    expect((await call('GET', '/v1/networks')).body).toHaveLength(1);
    expect((await call('GET', '/v1/networks/backend')).body.ipam.subnet).toBe('10.9.0.0/24');
    expect((await call('POST', '/v1/networks', { name: 'x', driver: 'bridge' })).status).toBe(400);
    expect((await call('POST', '/v1/networks', { name: 'x', subnets: 'typo' })).status).toBe(400);
    expect((await call('DELETE', '/v1/networks/backend')).status).toBe(204);
    expect((await call('GET', '/v1/networks/backend')).status).toBe(404);
  });
});
