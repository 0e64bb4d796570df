import { taskStateRank, type Task } from '@swarmlet/api-types';
import type { MemoryStore } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';
import { ReconcileLoop } from '../loop.js';

/** Tasks the allocator must look at: new, and still wanted. */
export function needsAllocation(t: Task): boolean {
  return t.status.state === 'new' && taskStateRank(t.desiredState) <= taskStateRank('running');
}

/**
 * The allocator (leader only) moves tasks from NEW to PENDING once their resources are
 * allocated. Today there is nothing to allocate; the networking issue adds overlay addresses,
 * VIPs and published ports here, so the task model keeps its NEW -> PENDING step.
 */
export class Allocator {
  private readonly loop: ReconcileLoop;

  constructor(private readonly opts: { store: MemoryStore; log: Logger; now?: () => number }) {
    this.loop = new ReconcileLoop({
      name: 'allocator',
      store: opts.store,
      log: opts.log,
      kinds: ['task'],
      initialKeys: () => ['tasks'],
      keysOf: (ev) => (ev.kind === 'task' && needsAllocation(ev.object) ? ['tasks'] : []),
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
    const ids = this.opts.store.view((tx) => tx.find('task', needsAllocation).map((t) => t.id));
    if (ids.length === 0) return undefined;
    const timestamp = new Date((this.opts.now ?? Date.now)()).toISOString();
    await this.opts.store.batch((b) => {
      for (const id of ids) {
        b.update((tx) => {
          const t = tx.get('task', id);
          if (!t || !needsAllocation(t)) return;
          tx.update('task', {
            ...t,
            status: {
              ...t.status,
              state: 'pending',
              timestamp,
              message: 'pending task scheduling',
            },
          });
        });
      }
    });
    return undefined;
  }
}
