import { buildApi } from '@swarmlet/api';
import { FakeControlApi } from '@swarmlet/api/testing';
import { isSwarmletError, SwarmletError, type ServiceSpecInput } from '@swarmlet/api-types';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SwarmletClient } from './client.js';

const web: ServiceSpecInput = { name: 'web', replicas: 2, task: { container: { image: 'nginx' } } };

let dir: string;
let fake: FakeControlApi;
let app: ReturnType<typeof buildApi>;
let client: SwarmletClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmlet-client-'));
  fake = new FakeControlApi({ initialized: false });
  app = buildApi({ control: fake });
  await app.listen({ path: join(dir, 'api.sock') });
  client = new SwarmletClient({ socketPath: join(dir, 'api.sock') });
});

afterEach(async () => {
  await client.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<SwarmletError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSwarmletError(err)) throw new Error(`expected a SwarmletError, got ${String(err)}`);
  return err;
}

describe('SwarmletClient over a unix socket', () => {
  it('round-trips info, init and getCluster', async () => {
    expect((await client.info()).state).toBe('inactive');
    const cluster = await client.init({ clusterName: 'c1', heartbeatPeriodMs: 2000 });
    expect(cluster.spec.name).toBe('c1');
    expect(await client.getCluster()).toEqual(cluster);
    expect((await client.info()).state).toBe('active');
  });

  it('round-trips the service methods', async () => {
    await client.init({});
    const created = await client.createService(web);
    expect(created.spec.replicas).toBe(2);
    expect(await client.listServices()).toEqual([created]);
    expect((await client.getService('web')).id).toBe(created.id);
    const updated = await client.updateService('web', {
      version: created.meta.version,
      spec: { ...web, task: { container: { image: 'nginx:2' } } },
    });
    expect(updated.spec.task.container.image).toBe('nginx:2');
    expect((await client.scaleService(created.id, 4)).spec.replicas).toBe(4);
    await expect(client.removeService('web')).resolves.toBeUndefined();
    expect(await client.listServices()).toEqual([]);
  });

  it('round-trips tasks with filters, and nodes', async () => {
    await client.init({});
    await client.createService(web);
    await client.createService({ ...web, name: 'api', replicas: 1 });
    expect(await client.listTasks({})).toHaveLength(3);
    const tasks = await client.listTasks({ service: 'web', desiredState: 'running' });
    expect(tasks.map((t) => t.serviceName)).toEqual(['web', 'web']);
    expect((await client.getTask(tasks[0]!.id)).id).toBe(tasks[0]!.id);
    const nodes = await client.listNodes();
    expect(nodes).toHaveLength(1);
    expect((await client.getNode('host-1')).id).toBe(nodes[0]!.id);
  });

  it('round-trips updateNode and removeNode, with their errors', async () => {
    await client.init({});
    const [manager] = fake.nodes;
    fake.nodes.push({
      ...structuredClone(manager!),
      id: 'w0rkeraaaaaaaaaaaaaaaaaaa',
      spec: { role: 'worker', availability: 'active', labels: { zone: 'a' } },
      description: { ...manager!.description, hostname: 'host-2' },
    });
    const spy = vi.spyOn(fake, 'removeNode');
    const drained = await client.updateNode('host-2', {
      version: manager!.meta.version,
      availability: 'drain',
      labelAdd: { rack: '7' },
      labelRm: ['zone'],
    });
    expect(drained.spec).toEqual({ role: 'worker', availability: 'drain', labels: { rack: '7' } });
    expect(await client.getNode('host-2')).toEqual(drained);
    const stale = await rejection(client.updateNode('host-2', { version: manager!.meta.version }));
    expect(stale.code).toBe('CONFLICT');
    expect((await rejection(client.updateNode('host-1', { role: 'worker' }))).message).toBe(
      'cannot demote the last manager of the cluster',
    );
    expect((await rejection(client.removeNode('host-2'))).code).toBe('FAILED_PRECONDITION');
    expect(spy).toHaveBeenLastCalledWith('host-2', { force: false });
    await expect(client.removeNode('host-2', { force: true })).resolves.toBeUndefined();
    expect(spy).toHaveBeenLastCalledWith('host-2', { force: true });
    expect((await client.listNodes()).map((n) => n.description.hostname)).toEqual(['host-1']);
  });

  it('encodes refs so odd names cannot escape the path', async () => {
    await client.init({});
    const err = await rejection(client.getService('../nodes'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe('service ../nodes not found');
  });

  it('rebuilds server errors as SwarmletError with the same code, message and details', async () => {
    expect((await rejection(client.listServices())).code).toBe('NOT_INITIALIZED');
    await client.init({});
    expect((await rejection(client.init({}))).code).toBe('ALREADY_INITIALIZED');
    expect((await rejection(client.getService('nope'))).code).toBe('NOT_FOUND');
    expect((await rejection(client.scaleService('web', -1))).code).toBe('INVALID_ARGUMENT');
    vi.spyOn(fake, 'listNodes').mockRejectedValue(
      new SwarmletError('FAILED_PRECONDITION', 'no', { details: { a: 'b' } }),
    );
    const err = await rejection(client.listNodes());
    expect(err).toMatchObject({ code: 'FAILED_PRECONDITION', message: 'no', details: { a: 'b' } });
    await client.createService(web);
    expect((await rejection(client.createService(web))).code).toBe('ALREADY_EXISTS');
  });
});

describe('SwarmletClient when the daemon is not there', () => {
  it('reports a missing socket as UNAVAILABLE with a hint', async () => {
    const missing = new SwarmletClient({ socketPath: join(dir, 'nothing.sock') });
    const err = await rejection(missing.info());
    await missing.close();
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain(`cannot reach the swarmlet daemon at unix://${dir}/nothing.sock`);
    expect(err.message).toContain('is swarmletd running?');
  });

  it('reports a refused TCP connection as UNAVAILABLE', async () => {
    const tcp = new SwarmletClient({ url: 'http://127.0.0.1:1' });
    const err = await rejection(tcp.info());
    await tcp.close();
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('http://127.0.0.1:1');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('works over TCP with --host style URLs', async () => {
    const tcpApp = buildApi({ control: fake });
    await tcpApp.listen({ host: '127.0.0.1', port: 0 });
    const address = tcpApp.server.address() as AddressInfo;
    const tcp = new SwarmletClient({ url: `http://127.0.0.1:${address.port}` });
    expect((await tcp.info()).version).toBe('0.1.0-fake');
    await tcp.close();
    await tcpApp.close();
  });
});
