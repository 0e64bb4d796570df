import type { Network, Node, Service, Task } from '@swarmlet/api-types';
import { sampleNode, sampleService, sampleTask } from '@swarmlet/store';
import { describe, expect, it } from 'vitest';
import { planAllocation, type AllocState } from './plan.js';

const meta = (n: number) => ({ version: n, createdAt: new Date(n).toISOString(), updatedAt: '' });

function network(id: string, n: number, subnet = ''): Network {
  return {
    id,
    meta: meta(n),
    spec: { name: id, driver: 'overlay', labels: {}, attachable: false, subnet },
  };
}

function node(id: string, n: number): Node {
  return { ...sampleNode(id, 'ready', `192.168.0.${n}`), meta: meta(n) };
}

/** Applies a plan to the state, as the allocator's batch would. */
function apply(s: AllocState, p: ReturnType<typeof planAllocation>): AllocState {
  const swap = <T extends { id: string }>(all: readonly T[], changed: T[]): T[] =>
    all.map((o) => changed.find((c) => c.id === o.id) ?? o);
  const tasks = swap(s.tasks, p.tasks).map((t) =>
    p.tasks.some((c) => c.id === t.id)
      ? { ...t, status: { ...t.status, state: 'pending' as const } }
      : t,
  );
  return {
    networks: swap(s.networks, p.networks),
    services: swap(s.services, p.services),
    tasks,
    nodes: swap(s.nodes ?? [], p.nodes),
  };
}

describe('planAllocation', () => {
  it('is deterministic and idempotent, and never hands out an address twice (seeded)', () => {
    for (let seed = 1; seed <= 50; seed++) {
      let x = seed;
      const rand = (n: number): number => (x = (x * 48271) % 2147483647) % n;
      const networks = Array.from({ length: 1 + rand(3) }, (_, i) =>
        network(`n${i}`, i, rand(2) ? '' : `10.${100 + i}.0.0/${26 + rand(3)}`),
      );
      const services: Service[] = [];
      const tasks: Task[] = [];
      for (let i = 0; i < 1 + rand(4); i++) {
        const nets = networks.filter(() => rand(2) === 0).map((n) => n.id);
        const svc: Service = {
          ...sampleService(`s${i}`),
          id: `s${i}`,
          meta: meta(10 + i),
          spec: { ...sampleService(`s${i}`).spec, networks: nets },
        };
        services.push(svc);
        for (let slot = 1; slot <= rand(30); slot++) {
          tasks.push({ ...sampleTask(svc, slot), id: `t${i}.${slot}`, meta: meta(100 + slot) });
        }
      }
      const nodes = Array.from({ length: 1 + rand(3) }, (_, i) => node(`node${i}`, 50 + i));
      const state: AllocState = { networks, services, tasks, nodes };
      const first = planAllocation(state);
      expect(planAllocation(state)).toEqual(first);
      const after = apply(state, first);
      const again = planAllocation(after);
      expect(again.networks).toEqual([]);
      expect(again.services).toEqual([]);
      expect(again.tasks).toEqual([]);
      expect(again.nodes).toEqual([]);
      // Every node has an address on every network (the pools here always leave room).
      for (const nd of after.nodes ?? [])
        expect(nd.networks?.map((a) => a.networkId).sort()).toEqual(networks.map((n) => n.id));
      // Per network: VIPs, node and task addresses all distinct.
      for (const n of after.networks) {
        const addrs = [
          ...after.services.flatMap((s) => s.endpoint?.vips ?? []),
          ...after.tasks.flatMap((t) => t.networks ?? []),
          ...(after.nodes ?? []).flatMap((nd) => nd.networks ?? []),
        ]
          .filter((a) => a.networkId === n.id)
          .map((a) => a.addr);
        expect(new Set(addrs).size).toBe(addrs.length);
      }
      // Waiting tasks say why.
      for (const w of again.waiting) expect(w.message).toMatch(/no free address in network/);
    }
  });

  it('gives each node an address per network before new tasks, and drops removed networks', () => {
    const nets = [network('a', 1, '10.9.0.0/29'), network('b', 2, '10.9.1.0/29')];
    let state: AllocState = { networks: nets, services: [], tasks: [], nodes: [node('n1', 3)] };
    state = apply(state, planAllocation(state));
    const n1 = state.nodes?.[0];
    // Network, gateway (.1) and broadcast are never handed out: the first free address is .2.
    expect(n1?.networks).toEqual([
      { networkId: 'a', addr: '10.9.0.2/29' },
      { networkId: 'b', addr: '10.9.1.2/29' },
    ]);
    // A second node gets the next address; network b removed: its address is dropped.
    state = { ...state, networks: [nets[0]!], nodes: [...(state.nodes ?? []), node('n2', 4)] };
    const plan = planAllocation(state);
    expect(plan.nodes.map((n) => [n.id, n.networks])).toEqual([
      ['n1', [{ networkId: 'a', addr: '10.9.0.2/29' }]],
      ['n2', [{ networkId: 'a', addr: '10.9.0.3/29' }]],
    ]);
  });
});
