import {
  isActiveState,
  taskStateRank,
  type Node,
  type Service,
  type Task,
} from '@swarmlet/api-types';
import type { Batch, MemoryStore, ObjectEvent, ReadTx } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';
import { ReconcileLoop } from '../loop.js';
import type { OrchestratorAction } from './actions.js';
import { planGlobal } from './global.js';
import { planJob } from './jobs.js';
import { planReplicated, reconcileDeleted } from './replicated.js';
import { RestartHistory } from './restart.js';
import { slotKey } from './update.js';

export interface OrchestratorOptions {
  store: MemoryStore;
  log: Logger;
  now?: () => number;
}

/**
 * The orchestrator (leader only): reconciles each dirty service with the pure reconciler of its
 * mode (`planReplicated`, `planGlobal`, `planJob`; rolling updates inside them) and applies
 * their actions in one batch. Delayed restarts are held in
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
    const restartHistory = (slot: number | string): readonly number[] =>
      this.history.get(serviceId, slot);
    const mode = service.spec.mode;
    const planned =
      mode === 'global'
        ? planGlobal({ service, tasks, nodes, now, restartHistory })
        : mode === 'replicated'
          ? planReplicated({ service, tasks, nodes, now, restartHistory })
          : planJob({ service, tasks, nodes, now });
    const { release, wakeAt } = releaseHeldTasks(tasks, now);
    return {
      service,
      actions: [...planned.actions, ...release],
      wakeAt: Math.min(wakeAt, planned.wakeAt),
    };
  }

  private recordRestarts(
    service: Service | undefined,
    actions: OrchestratorAction[],
    now: number,
  ): void {
    if (!service) return;
    for (const a of actions)
      if (a.type === 'create' && a.restart)
        this.history.record(service.id, a.nodeId ?? a.slot, now);
  }
}

/**
 * A node event that can displace or call for tasks: a node added or removed, its state,
 * availability, role or labels (global services follow constraints).
 */
function nodeAffectsTasks(ev: Extract<ObjectEvent, { kind: 'node' }>): boolean {
  if (ev.op !== 'update' || !ev.old) return true;
  const a = ev.old;
  const b = ev.object;
  return (
    a.status.state !== b.status.state ||
    a.spec.availability !== b.spec.availability ||
    a.spec.role !== b.spec.role ||
    JSON.stringify(a.spec.labels) !== JSON.stringify(b.spec.labels) ||
    JSON.stringify(a.description.engine.labels) !== JSON.stringify(b.description.engine.labels)
  );
}

interface Plan {
  service: Service | undefined;
  actions: OrchestratorAction[];
  wakeAt: number;
}

/**
 * Tasks held in `ready` move to `running` once due: a restart delay after their creation, or
 * for a stop-first replacement (`waitsForSlot`) once no other task of its slot is active.
 */
export function releaseHeldTasks(
  tasks: readonly Task[],
  now: number,
): { release: OrchestratorAction[]; wakeAt: number } {
  const release: OrchestratorAction[] = [];
  let wakeAt = Infinity;
  for (const t of tasks) {
    if (t.desiredState !== 'ready') continue;
    if (t.waitsForSlot && tasks.some((o) => o.id !== t.id && sameSlotActive(o, t))) continue;
    // The task's own policy: a later spec change must not shorten or stretch a pending delay.
    const due = t.waitsForSlot
      ? -Infinity
      : Date.parse(t.meta.createdAt) + t.spec.restartPolicy.delayMs;
    if (due <= now)
      release.push({
        type: 'set-desired',
        taskId: t.id,
        desiredState: 'running',
        message: t.waitsForSlot ? 'the task it replaces has stopped' : 'restart delay elapsed',
      });
    else wakeAt = Math.min(wakeAt, due);
  }
  return { release, wakeAt };
}

/** `o` is another task of `t`'s slot that may still have a container running. */
function sameSlotActive(o: Task, t: Task): boolean {
  return slotKey(o) === slotKey(t) && isActiveState(o.status.state);
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
      b.update((tx) => void tx.create('task', newTask(service, a, now)));
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
    } else if (a.type === 'update-status' && service) {
      b.update((tx) => {
        const cur = tx.get('service', service.id);
        // Planned from this version only: a `service update` meanwhile starts a new update.
        if (!cur || cur.meta.version !== service.meta.version) return;
        if (a.rollback && cur.previousSpec) {
          tx.update('service', {
            ...cur,
            spec: cur.previousSpec,
            previousSpec: cur.spec,
            updateStatus: a.status,
          });
        } else tx.update('service', { ...cur, updateStatus: a.status });
      });
    }
  }
}

function newTask(
  service: Service,
  a: Extract<OrchestratorAction, { type: 'create' }>,
  now: number,
): Omit<Task, 'id' | 'meta'> {
  return {
    serviceId: service.id,
    serviceName: service.spec.name,
    slot: a.slot,
    nodeId: a.nodeId ?? '',
    spec: service.spec.task,
    specVersion: service.meta.version,
    ...(a.jobIteration !== undefined ? { jobIteration: a.jobIteration } : {}),
    ...(a.waitsForSlot ? { waitsForSlot: true } : {}),
    desiredState: a.desiredState,
    status: {
      state: 'new',
      timestamp: new Date(now).toISOString(),
      message: 'created',
      err: '',
      containerId: '',
    },
  };
}
