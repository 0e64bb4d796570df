import {
  isActiveState,
  isTerminalState,
  taskStateRank,
  type Service,
  type Task,
} from '@swarmlet/api-types';
import type { MemoryStore, ObjectEvent } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';
import { ReconcileLoop } from '../loop.js';
import { scheduleTasks } from './schedule.js';

/**
 * A pending task that still wants to run and has its network addresses. Its `nodeId` is empty,
 * or names the one node it was created for (global services).
 */
export function isSchedulable(t: Task): boolean {
  return (
    t.status.state === 'pending' &&
    t.networks !== undefined &&
    taskStateRank(t.desiredState) <= taskStateRank('running')
  );
}

/** A task that holds resources on its node. */
function holdsNode(t: Task): boolean {
  return (
    t.nodeId !== '' &&
    isActiveState(t.status.state) &&
    taskStateRank(t.desiredState) <= taskStateRank('running')
  );
}

/**
 * The scheduler (leader only): after each commit that adds pending tasks, changes nodes or frees
 * resources, it places every pending task in one pass and commits all decisions in one batch
 * (pending -> assigned). Unplaceable tasks keep PENDING with a message that says why.
 */
export class Scheduler {
  private readonly loop: ReconcileLoop;

  constructor(private readonly opts: { store: MemoryStore; log: Logger; now?: () => number }) {
    this.loop = new ReconcileLoop({
      name: 'scheduler',
      store: opts.store,
      log: opts.log,
      kinds: ['task', 'node'],
      initialKeys: () => ['all'],
      keysOf: (ev) => (relevant(ev) ? ['all'] : []),
      reconcile: () => this.schedule(),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async schedule(): Promise<undefined> {
    const decisions = this.opts.store.view((tx) => {
      const pending = tx.find('task', isSchedulable);
      if (pending.length === 0) return [];
      const ports = new Map(tx.find('service').map((s) => [s.id, hostPortsOf(s)]));
      return scheduleTasks(
        pending,
        tx.find('node'),
        tx.find('task', holdsNode),
        undefined,
        (id) => ports.get(id) ?? [],
      );
    });
    if (decisions.length === 0) return undefined;
    const timestamp = new Date((this.opts.now ?? Date.now)()).toISOString();
    await this.opts.store.batch((b) => {
      for (const d of decisions) {
        b.update((tx) => {
          const t = tx.get('task', d.taskId);
          if (!t || !isSchedulable(t)) return;
          if (d.nodeId) {
            const status = {
              ...t.status,
              state: 'assigned' as const,
              timestamp,
              message: 'scheduler assigned task to node',
              err: '',
            };
            tx.update('task', { ...t, nodeId: d.nodeId, status });
          } else if ('message' in d && t.status.message !== d.message) {
            // Also the error, as swarmkit does: `service ps` and the progress show why.
            const status = { ...t.status, message: d.message, err: d.message };
            tx.update('task', { ...t, status });
          }
        });
      }
    });
    return undefined;
  }
}

function relevant(ev: ObjectEvent): boolean {
  if (ev.kind === 'node') return true;
  if (ev.kind !== 'task') return false;
  const t = ev.object;
  if (isSchedulable(t)) return true;
  // A task leaving a node frees room for pending tasks.
  return (
    ev.op === 'delete' || isTerminalState(t.status.state) || t.desiredState !== ev.old?.desiredState
  );
}

/** The host-mode ports a service binds on each node that runs one of its tasks. */
export function hostPortsOf(s: Service): string[] {
  return (s.endpoint?.ports ?? [])
    .filter((p) => p.mode === 'host' && p.published > 0)
    .map((p) => `${p.published}/${p.protocol}`);
}
