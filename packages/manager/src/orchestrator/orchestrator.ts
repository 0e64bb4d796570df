import {
  taskStateRank,
  type Node,
  type Service,
  type Task,
  type TaskState,
} from '@swarmlet/api-types';
import type { Batch, MemoryStore, ObjectEvent, ReadTx } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';
import { ReconcileLoop } from '../loop.js';
import type { OrchestratorAction } from './actions.js';
import { reconcileDeleted, reconcileReplicated } from './replicated.js';
import { RestartHistory } from './restart.js';

export interface OrchestratorOptions {
  store: MemoryStore;
  log: Logger;
  now?: () => number;
}

/**
 * The replicated orchestrator (leader only): reconciles each dirty service with the pure
 * `reconcileReplicated` and applies its actions in one batch. Delayed restarts are held in
 * desired state `ready` and released when due (the loop's timer), which also survives a restart
 * of the manager because the due time derives from the task's creation time.
 */
export class Orchestrator {
  private readonly loop: ReconcileLoop;
  private readonly history = new RestartHistory();
  private readonly now: () => number;

  constructor(private readonly opts: OrchestratorOptions) {
    this.now = opts.now ?? Date.now;
    this.loop = new ReconcileLoop({
      name: 'orchestrator',
      store: opts.store,
      log: opts.log,
      kinds: ['service', 'task', 'node'],
      initialKeys: (tx) => [
        ...new Set([
          ...tx.find('service').map((s) => s.id),
          ...tx.find('task').map((t) => t.serviceId),
        ]),
      ],
      keysOf: (ev) => {
        if (ev.kind === 'service') return [ev.object.id];
        if (ev.kind === 'task') return [ev.object.serviceId];
        if (ev.kind === 'node') return nodeAffectsTasks(ev) ? '*' : [];
        return [];
      },
      reconcile: (keys) => this.reconcile(keys),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async reconcile(serviceIds: ReadonlySet<string>): Promise<number | undefined> {
    const now = this.now();
    const plans = this.opts.store.view((tx) => [...serviceIds].map((id) => this.plan(tx, id, now)));
    const work = plans.filter((p) => p.actions.length > 0);
    if (work.length > 0) {
      await this.opts.store.batch((b) => {
        for (const p of work) applyActions(b, p.service, p.actions, now);
      });
      for (const p of work) this.recordRestarts(p.service, p.actions, now);
    }
    const wake = Math.min(...plans.map((p) => p.wakeAt));
    return Number.isFinite(wake) ? wake : undefined;
  }

  private plan(tx: ReadTx, serviceId: string, now: number): Plan {
    const tasks = tx.tasksOfService(serviceId);
    const service = tx.get('service', serviceId);
    if (!service) {
      this.history.forgetService(serviceId);
      return { service: undefined, actions: reconcileDeleted(tasks), wakeAt: Infinity };
    }
    const nodes = new Map<string, Node>(tx.find('node').map((n) => [n.id, n]));
    const actions = reconcileReplicated({
      service,
      tasks,
      nodes,
      now,
      restartHistory: (slot) => this.history.get(serviceId, slot),
    });
    const { release, wakeAt } = releaseHeldTasks(tasks, now);
    return { service, actions: [...actions, ...release], wakeAt };
  }

  private recordRestarts(
    service: Service | undefined,
    actions: OrchestratorAction[],
    now: number,
  ): void {
    if (!service) return;
    for (const a of actions)
      if (a.type === 'create' && a.restart) this.history.record(service.id, a.slot, now);
  }
}

/** A node event that can displace tasks: a node added or removed, its state or availability. */
function nodeAffectsTasks(ev: Extract<ObjectEvent, { kind: 'node' }>): boolean {
  if (ev.op !== 'update' || !ev.old) return true;
  return (
    ev.old.status.state !== ev.object.status.state ||
    ev.old.spec.availability !== ev.object.spec.availability
  );
}

interface Plan {
  service: Service | undefined;
  actions: OrchestratorAction[];
  wakeAt: number;
}

/** Tasks held in `ready` by a restart delay move to `running` once the delay has passed. */
export function releaseHeldTasks(
  tasks: readonly Task[],
  now: number,
): { release: OrchestratorAction[]; wakeAt: number } {
  const release: OrchestratorAction[] = [];
  let wakeAt = Infinity;
  for (const t of tasks) {
    if (t.desiredState !== 'ready') continue;
    // The task's own policy: a later spec change must not shorten or stretch a pending delay.
    const due = Date.parse(t.meta.createdAt) + t.spec.restartPolicy.delayMs;
    if (due <= now)
      release.push({
        type: 'set-desired',
        taskId: t.id,
        desiredState: 'running',
        message: 'restart delay elapsed',
      });
    else wakeAt = Math.min(wakeAt, due);
  }
  return { release, wakeAt };
}

/** Turns actions into store writes; each action is its own sub-transaction of one batch. */
export function applyActions(
  b: Batch,
  service: Service | undefined,
  actions: OrchestratorAction[],
  now: number,
): void {
  for (const a of actions) {
    if (a.type === 'create' && service) {
      b.update((tx) => void tx.create('task', newTask(service, a.slot, a.desiredState, now)));
    } else if (a.type === 'set-desired') {
      b.update((tx) => {
        const t = tx.get('task', a.taskId);
        if (!t || taskStateRank(t.desiredState) >= taskStateRank(a.desiredState)) return;
        tx.update('task', { ...t, desiredState: a.desiredState });
      });
    } else if (a.type === 'delete') {
      b.update((tx) => {
        if (tx.get('task', a.taskId)) tx.delete('task', a.taskId);
      });
    }
  }
}

function newTask(
  service: Service,
  slot: number,
  desiredState: TaskState,
  now: number,
): Omit<Task, 'id' | 'meta'> {
  return {
    serviceId: service.id,
    serviceName: service.spec.name,
    slot,
    nodeId: '',
    spec: service.spec.task,
    specVersion: service.meta.version,
    desiredState,
    status: {
      state: 'new',
      timestamp: new Date(now).toISOString(),
      message: 'created',
      err: '',
      containerId: '',
    },
  };
}
