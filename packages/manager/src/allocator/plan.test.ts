import type { Network, Service, Task } from '@swarmlet/api-types';
import { sampleService, sampleTask } from '@swarmlet/store';
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

/** Applies a plan to the state, as the allocator's batch would. */
function apply(s: AllocState, p: ReturnType<typeof planAllocation>): AllocState {
  const swap = <T extends { id: string }>(all: readonly T[], changed: T[]): T[] =>
    all.map((o) => changed.find((c) => c.id === o.id) ?? o);
  const tasks = swap(s.tasks, p.tasks).map((t) =>
    p.tasks.some((c) => c.id === t.id)
      ? { ...t, status: { ...t.status, state: 'pending' as const } }
      : t,
  );
  return { networks: swap(s.networks, p.networks), services: swap(s.services, p.services), tasks };
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
      const state: AllocState = { networks, services, tasks };
      const first = planAllocation(state);
      expect(planAllocation(state)).toEqual(first);
      const after = apply(state, first);
      const again = planAllocation(after);
      expect(again.networks).toEqual([]);
      expect(again.services).toEqual([]);
      expect(again.tasks).toEqual([]);
      // Per network: VIPs and task addresses all distinct.
      for (const n of after.networks) {
        const addrs = [
          ...after.services.flatMap((s) => s.endpoint?.vips ?? []),
          ...after.tasks.flatMap((t) => t.networks ?? []),
        ]
          .filter((a) => a.networkId === n.id)
          .map((a) => a.addr);
        expect(new Set(addrs).size).toBe(addrs.length);
      }
      // Waiting tasks say why.
      for (const w of again.waiting) expect(w.message).toMatch(/no free address in network/);
    }
  });
});
