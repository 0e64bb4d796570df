import { isTerminalState, type Cluster, type Logger } from '@swarmlet/api-types';
import type { MemoryStore } from '@swarmlet/store';
import { ReconcileLoop } from '../loop.js';
import { parseCidr } from './ipam.js';
import { DEFAULT_POOLS, needsAllocation, planAllocation, type PoolConfig } from './plan.js';

export { needsAllocation } from './plan.js';

/** The cluster's address pools (`init --default-addr-pool`), or Swarm's defaults. */
export function poolConfig(cluster: Cluster | undefined): PoolConfig {
  const n = cluster?.spec.network;
  if (!n || n.addrPools.length === 0) return DEFAULT_POOLS;
  return {
    pools: n.addrPools.map((p) => parseCidr(p, 'address pool')),
    subnetPrefix: n.subnetPrefix,
  };
}

/**
 * The allocator (leader only): overlay subnets and VXLAN ids for networks, a VIP per network
 * for services, an address per network for new tasks, which then move NEW -> PENDING. A task
 * whose network has no free address (or no subnet) stays NEW with a message saying so, and is
 * allocated as soon as an address frees up. The plan is pure (`planAllocation`); this class
 * only runs it after relevant commits and writes the result in one batch.
 */
export class Allocator {
  private readonly loop: ReconcileLoop;

  constructor(private readonly opts: { store: MemoryStore; log: Logger; now?: () => number }) {
    this.loop = new ReconcileLoop({
      name: 'allocator',
      store: opts.store,
      log: opts.log,
      kinds: ['task', 'service', 'network', 'cluster', 'node'],
      initialKeys: () => ['all'],
      keysOf: (ev) => {
        if (ev.kind === 'task') {
          const t = ev.object;
          const frees = isTerminalState(t.status.state) && (t.networks?.length ?? 0) > 0;
          return ev.op !== 'delete' && (needsAllocation(t) || frees) ? ['all'] : [];
        }
        if (ev.kind === 'node') return ev.op === 'create' ? ['all'] : [];
        return ['all'];
      },
      reconcile: () => this.allocate(),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async allocate(): Promise<undefined> {
    const { store } = this.opts;
    const plan = store.view((tx) =>
      planAllocation(
        {
          networks: tx.find('network'),
          services: tx.find('service'),
          tasks: tx.find('task'),
          nodes: tx.find('node'),
        },
        poolConfig(tx.find('cluster')[0]),
      ),
    );
    const waiting = plan.waiting.filter((w) => w.task.status.message !== w.message);
    const count = plan.networks.length + plan.services.length + plan.nodes.length;
    if (count + plan.tasks.length + waiting.length === 0) {
      return undefined;
    }
    const timestamp = new Date((this.opts.now ?? Date.now)()).toISOString();
    await store.batch((b) => {
      for (const n of plan.networks) {
        b.update((tx) => {
          const cur = tx.get('network', n.id);
          if (cur && !cur.ipam) tx.update('network', { ...cur, ipam: n.ipam, vni: n.vni });
        });
      }
      for (const s of plan.services) {
        b.update((tx) => {
          const cur = tx.get('service', s.id);
          if (cur) tx.update('service', { ...cur, endpoint: s.endpoint });
        });
      }
      for (const n of plan.nodes) {
        b.update((tx) => {
          const cur = tx.get('node', n.id);
          if (cur) tx.update('node', { ...cur, networks: n.networks });
        });
      }
      for (const t of plan.tasks) {
        b.update((tx) => {
          const cur = tx.get('task', t.id);
          if (!cur || !needsAllocation(cur)) return;
          tx.update('task', {
            ...cur,
            networks: t.networks,
            status: {
              ...cur.status,
              state: 'pending',
              timestamp,
              message: 'pending task scheduling',
            },
          });
        });
      }
      for (const w of waiting) {
        b.update((tx) => {
          const cur = tx.get('task', w.task.id);
          if (!cur || !needsAllocation(cur)) return;
          // PENDING with the reason; the scheduler leaves it alone until it has addresses.
          const status = {
            ...cur.status,
            state: 'pending' as const,
            timestamp,
            message: w.message,
          };
          tx.update('task', { ...cur, status });
        });
      }
    });
    return undefined;
  }
}
