import type { MemoryStore } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';
import { ReconcileLoop } from '../loop.js';
import { tasksToReap } from './reaper.js';

const DEFAULT_HISTORY = 5;

/**
 * Deletes tasks that are done (swarmkit's taskreaper): removed tasks once stopped, and history
 * beyond the cluster's `taskHistoryRetentionLimit` per slot. Deleting a task is what makes the
 * dispatcher tell the agent to remove its container.
 */
export class TaskReaper {
  private readonly loop: ReconcileLoop;

  constructor(private readonly opts: { store: MemoryStore; log: Logger }) {
    this.loop = new ReconcileLoop({
      name: 'task-reaper',
      store: opts.store,
      log: opts.log,
      kinds: ['task', 'cluster'],
      initialKeys: (tx) => [...new Set(tx.find('task').map((t) => t.serviceId))],
      keysOf: (ev) => (ev.kind === 'task' ? [ev.object.serviceId] : '*'),
      reconcile: (keys) => this.reap(keys),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async reap(serviceIds: ReadonlySet<string>): Promise<undefined> {
    const ids = this.opts.store.view((tx) => {
      const limit =
        tx.find('cluster')[0]?.spec.orchestration.taskHistoryRetentionLimit ?? DEFAULT_HISTORY;
      return [...serviceIds].flatMap((id) => {
        const svc = tx.get('service', id);
        const job = svc?.spec.mode.endsWith('-job') ? (svc.jobIteration ?? 0) : undefined;
        return tasksToReap(tx.tasksOfService(id), limit, job);
      });
    });
    if (ids.length === 0) return undefined;
    await this.opts.store.batch((b) => {
      for (const id of ids) b.update((tx) => tx.get('task', id) && tx.delete('task', id));
    });
    return undefined;
  }
}
