import type { Node } from '@swarmlet/api-types';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildApi } from '../app.js';
import { FakeControlApi } from '../testing/fake-control.js';
import { fakeNode } from '../testing/fake-objects.js';

let fake: FakeControlApi;
let app: FastifyInstance;
let manager: Node;

beforeEach(() => {
  fake = new FakeControlApi();
  manager = fake.nodes[0]!;
  const worker = fakeNode('w0rkeraaaaaaaaaaaaaaaaaaa', 'host-2', 2);
  fake.nodes.push({
    ...worker,
    spec: { ...worker.spec, role: 'worker' },
    managerStatus: undefined,
  });
  app = buildApi({ control: fake });
});
afterEach(async () => app.close());

async function call(method: 'POST' | 'DELETE', url: string, payload?: object) {
  const res = await app.inject({ method, url, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() };
}

describe('POST /v1/nodes/:ref/update', () => {
  it('passes the request through and answers the node as written', async () => {
    const spy = vi.spyOn(fake, 'updateNode');
    const req = {
      version: fake.nodes[1]!.meta.version,
      availability: 'drain',
      labelAdd: { zone: 'b' },
      role: 'manager',
    };
    const res = await call('POST', '/v1/nodes/host-2/update', req);
    expect(spy).toHaveBeenCalledWith('host-2', req);
    expect(res.status).toBe(200);
    expect(res.body.spec).toEqual({
      role: 'manager',
      availability: 'drain',
      labels: { zone: 'b' },
    });
    expect(res.body.id).toBe('w0rkeraaaaaaaaaaaaaaaaaaa');
  });

  it('accepts an empty body field set', async () => {
    expect((await call('POST', '/v1/nodes/host-2/update', {})).status).toBe(200);
  });

  it.each([
    [{ availability: 'off' }, 'body.availability: must be one of active, pause, drain'],
    [{ role: 'boss' }, 'body.role: must be one of manager, worker'],
    [{ labelAdd: { zone: 1 } }, 'body.labelAdd.zone: must be string'],
    [{ labelRm: 'zone' }, 'body.labelRm: must be array'],
    [{ version: -1 }, 'body.version: must be >= 0'],
    [{ avail: 'drain' }, 'body: unknown field "avail"'],
  ])('answers 400 with a clear message for %j', async (body, message) => {
    const spy = vi.spyOn(fake, 'updateNode');
    const res = await call('POST', '/v1/nodes/host-2/update', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_ARGUMENT');
    expect(res.body.message).toContain(message);
    expect(spy).not.toHaveBeenCalled();
  });

  it('answers 400 naming a label that does not exist', async () => {
    const res = await call('POST', '/v1/nodes/host-2/update', { labelRm: ['ghost'] });
    expect(res).toEqual({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', message: 'key "ghost" doesn\'t exist in node\'s labels' },
    });
  });

  it('answers 404 for an unknown node and 409 for a stale version', async () => {
    expect((await call('POST', '/v1/nodes/nope/update', {})).body.code).toBe('NOT_FOUND');
    const stale = await call('POST', '/v1/nodes/host-2/update', { version: 0 });
    expect(stale).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
  });

  it('answers 409 when demoting the last manager', async () => {
    const res = await call('POST', `/v1/nodes/${manager.id}/update`, { role: 'worker' });
    expect(res).toEqual({
      status: 409,
      body: {
        code: 'FAILED_PRECONDITION',
        message: 'cannot demote the last manager of the cluster',
      },
    });
  });
});

describe('DELETE /v1/nodes/:ref', () => {
  it('refuses a ready node without force, then removes it with ?force=true', async () => {
    const spy = vi.spyOn(fake, 'removeNode');
    const refused = await call('DELETE', '/v1/nodes/host-2');
    expect(refused).toEqual({
      status: 409,
      body: {
        code: 'FAILED_PRECONDITION',
        message: 'node host-2 is still up; use --force to remove it',
      },
    });
    expect(spy).toHaveBeenLastCalledWith('host-2', { force: false });
    expect(await call('DELETE', '/v1/nodes/host-2?force=true')).toEqual({
      status: 204,
      body: undefined,
    });
    expect(spy).toHaveBeenLastCalledWith('host-2', { force: true });
    expect(fake.nodes.map((n) => n.id)).toEqual([manager.id]);
  });

  it('refuses a manager', async () => {
    const res = await call('DELETE', '/v1/nodes/host-1?force=true');
    expect(res).toMatchObject({ status: 409, body: { code: 'FAILED_PRECONDITION' } });
    expect(res.body.message).toContain('demote it first');
  });

  it('answers 400 for a force value other than true or false, 404 for an unknown node', async () => {
    const bad = await call('DELETE', '/v1/nodes/host-2?force=yes');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('querystring.force: must be one of true, false');
    expect((await call('DELETE', '/v1/nodes/nope?force=true')).status).toBe(404);
  });
});
