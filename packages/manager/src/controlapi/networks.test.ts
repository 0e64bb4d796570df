import { isSwarmletError, silentLogger, type Task } from '@swarmlet/api-types';
import { MemoryStore, sampleNode, sampleTask } from '@swarmlet/store';
import { afterEach, describe, expect, it } from 'vitest';
import { Allocator } from '../allocator/allocator.js';
import { contains, parseCidr, parseIp } from '../allocator/ipam.js';
import { ControlServer } from './controlapi.js';
import { isSchedulable } from '../scheduler/scheduler.js';

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const image = { container: { image: 'img' } };

describe('networks through the control API and the allocator', () => {
  let allocator: Allocator | undefined;
  afterEach(async () => allocator?.stop());

  async function setup(pools?: { addrPools: string[]; subnetPrefix: number }) {
    const store = new MemoryStore();
    await store.update((tx) =>
      tx.create('cluster', {
        spec: {
          name: 'c',
          orchestration: { taskHistoryRetentionLimit: 5 },
          dispatcher: { heartbeatPeriodMs: 5000 },
          ...(pools ? { network: pools } : {}),
        },
      }),
    );
    return { store, api: new ControlServer(store) };
  }

  it('gives networks distinct subnets from the pool, honours --subnet and refuses overlaps', async () => {
    const { api } = await setup();
    const a = await api.createNetwork({ name: 'a' });
    const b = await api.createNetwork({ name: 'b', subnet: '10.0.1.0/24' });
    const c = await api.createNetwork({ name: 'c' });
    expect([a.ipam?.subnet, b.ipam?.subnet, c.ipam?.subnet]).toEqual([
      '10.0.0.0/24',
      '10.0.1.0/24',
      '10.0.2.0/24',
    ]);
    expect(a.ipam?.gateway).toBe('10.0.0.1');
    expect(new Set([a.vni, b.vni, c.vni]).size).toBe(3);
    const overlap = await errorOf(api.createNetwork({ name: 'd', subnet: '10.0.2.128/25' }));
    expect(isSwarmletError(overlap, 'CONFLICT')).toBe(true);
    expect((overlap as Error).message).toContain('overlaps network c');
    const dup = await errorOf(api.createNetwork({ name: 'a' }));
    expect(isSwarmletError(dup, 'ALREADY_EXISTS')).toBe(true);
    const bad = await errorOf(api.createNetwork({ name: 'e', subnet: '10.0.5.1/24' }));
    expect(isSwarmletError(bad, 'INVALID_ARGUMENT')).toBe(true);
    expect((await api.listNetworks()).map((n) => n.spec.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a network when the cluster pools are full', async () => {
    const { api } = await setup({ addrPools: ['10.99.0.0/23'], subnetPrefix: 24 });
    await api.createNetwork({ name: 'a' });
    await api.createNetwork({ name: 'b' });
    const full = await errorOf(api.createNetwork({ name: 'c' }));
    expect(isSwarmletError(full, 'FAILED_PRECONDITION')).toBe(true);
    expect((full as Error).message).toMatch(/no free subnet/);
  });

  it('a service without --network joins `default` with a VIP; one with networks gets a VIP on each', async () => {
    const { api, store } = await setup();
    const web = await api.createService({ name: 'web', task: image });
    const def = await api.getNetwork('default');
    expect(web.spec.networks).toEqual([def.id]);
    expect(web.endpoint?.vips).toEqual([{ networkId: def.id, addr: '10.0.0.2/24' }]);
    await api.createNetwork({ name: 'back' });
    const api2 = await api.createService({
      name: 'api',
      task: image,
      networks: ['default', 'back'],
    });
    expect(api2.endpoint?.vips.map((v) => v.addr)).toEqual(['10.0.0.3/24', '10.0.1.2/24']);
    // In use: refused; unknown network in a spec: NOT_FOUND.
    const inUse = await errorOf(api.removeNetwork('back'));
    expect(isSwarmletError(inUse, 'FAILED_PRECONDITION')).toBe(true);
    expect((inUse as Error).message).toContain('api');
    const missing = await errorOf(
      api.createService({ name: 'x', task: image, networks: ['nope'] }),
    );
    expect(isSwarmletError(missing, 'NOT_FOUND')).toBe(true);
    // Leaving a network drops its VIP; removing the service frees the network.
    const moved = await api.updateService('api', {
      spec: { name: 'api', task: image, networks: ['default'] },
    });
    expect(moved.endpoint?.vips.map((v) => v.networkId)).toEqual([def.id]);
    await api.removeNetwork('back');
    expect(store.count('network')).toBe(1);
  });

  it('the allocator gives each new task a distinct address in its networks, then PENDING', async () => {
    const { api, store } = await setup();
    await api.createNetwork({ name: 'back' });
    const svc = await api.createService({
      name: 'api',
      task: image,
      networks: ['default', 'back'],
    });
    allocator = new Allocator({ store, log: silentLogger });
    allocator.start();
    await store.update((tx) => {
      for (let slot = 1; slot <= 20; slot++) tx.create('task', sampleTask(svc, slot));
    });
    const tasks = (): Task[] => store.view((tx) => tx.find('task'));
    await until(() => tasks().every((t) => t.status.state === 'pending'));
    const vips = new Set(svc.endpoint?.vips.map((v) => v.addr));
    for (const net of svc.spec.networks ?? []) {
      const subnet = parseCidr(store.view((tx) => tx.get('network', net))?.ipam?.subnet ?? '');
      const addrs = tasks().map((t) => t.networks?.find((a) => a.networkId === net)?.addr ?? '');
      expect(new Set(addrs).size).toBe(20);
      for (const a of addrs) {
        expect(vips.has(a)).toBe(false);
        expect(contains(subnet, parseIp(a.split('/')[0] ?? '') ?? -1)).toBe(true);
      }
    }
  });

  it("never gives a service's VIP a node's own network address", async () => {
    const { api, store } = await setup();
    allocator = new Allocator({ store, log: silentLogger });
    allocator.start();
    await api.createService({ name: 'first', task: image });
    await store.update((tx) => tx.create('node', sampleNode('n1', 'ready', '192.168.5.1')));
    const nodeAddr = (): string | undefined =>
      store.view((tx) => tx.get('node', 'n1')?.networks?.[0]?.addr);
    await until(() => nodeAddr() !== undefined);
    const second = await api.createService({ name: 'second', task: image });
    const taken = [nodeAddr(), ...(await api.listServices()).map((s) => s.endpoint?.vips[0]?.addr)];
    expect(new Set(taken).size).toBe(3);
    expect(second.endpoint?.vips[0]?.addr).not.toBe(nodeAddr());
  });

  it('a full network leaves tasks PENDING without addresses, with a message, until one frees', async () => {
    const { api, store } = await setup();
    await api.createNetwork({ name: 'tiny', subnet: '10.50.0.0/29' }); // 5 addresses: VIP + 4
    const svc = await api.createService({ name: 's', task: image, networks: ['tiny'] });
    allocator = new Allocator({ store, log: silentLogger });
    allocator.start();
    await store.update((tx) => {
      for (let slot = 1; slot <= 5; slot++) tx.create('task', sampleTask(svc, slot));
    });
    const tasks = (): Task[] => store.view((tx) => tx.find('task'));
    const allocated = (): Task[] => tasks().filter((t) => t.networks !== undefined);
    const blockedNow = (): Task | undefined =>
      tasks().find((t) => t.networks === undefined && t.status.state === 'pending');
    await until(() => allocated().length === 4 && blockedNow() !== undefined);
    const blocked = blockedNow()!;
    expect(blocked.status.message).toBe('no free address in network tiny (10.50.0.0/29)');
    // The scheduler does not place it while it has no address.
    expect(isSchedulable(blocked)).toBe(false);
    expect(isSchedulable(allocated()[0]!)).toBe(true);
    const done = allocated()[0]!;
    await store.update((tx) =>
      tx.update('task', { ...done, status: { ...done.status, state: 'failed' } }),
    );
    await until(() => store.view((tx) => tx.get('task', blocked.id))?.networks !== undefined);
    const waiting = store.view((tx) => tx.get('task', blocked.id));
    expect(waiting?.status.state).toBe('pending');
    expect(waiting?.status.message).toBe('pending task scheduling');
    expect(waiting?.networks?.[0]?.addr).toBe(done.networks?.[0]?.addr);
    expect(isSchedulable(waiting!)).toBe(true);
  });
});

describe('published ports through the control API', () => {
  it('allocates at create time, refuses a conflict, and frees the port with the service', async () => {
    const store = new MemoryStore();
    const api = new ControlServer(store);
    const web = await api.createService({
      name: 'web',
      task: image,
      ports: [{ target: 80, published: 8080 }, { target: 443 }],
    });
    expect(web.endpoint?.ports).toEqual([
      { target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' },
      { target: 443, published: 30000, protocol: 'tcp', mode: 'ingress' },
    ]);
    const clash = await errorOf(
      api.createService({ name: 'api', task: image, ports: [{ target: 80, published: 8080 }] }),
    );
    expect(isSwarmletError(clash, 'CONFLICT')).toBe(true);
    expect(store.view((tx) => tx.find('service')).map((s) => s.spec.name)).toEqual(['web']);
    await api.removeService('web');
    const api2 = await api.createService({
      name: 'api',
      task: image,
      ports: [{ target: 80, published: 8080 }],
    });
    expect(api2.endpoint?.ports?.[0]?.published).toBe(8080);
  });
});
