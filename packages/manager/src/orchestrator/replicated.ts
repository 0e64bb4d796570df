import {
  isActiveState,
  isTerminalState,
  taskStateRank,
  type Node,
  type Service,
  type Task,
} from '@swarmlet/api-types';
import type { OrchestratorAction } from './actions.js';
import { shouldRestart } from './restart.js';
import { isCurrentSpec, planUpdate } from './update.js';

export interface ReconcileInput {
  service: Service;
  tasks: readonly Task[];
  nodes: ReadonlyMap<string, Node>;
  now: number;
  restartHistory: (slot: number) => readonly number[];
}

const RUNNING = taskStateRank('running');

/** A task the orchestrator still wants to run (desired new..running, including held restarts). */
export function isRunnable(t: Task): boolean {
  return taskStateRank(t.desiredState) <= RUNNING;
}

/**
 * The replicated reconciler (swarmkit's replicated/services.go), pure: from a service, its tasks
 * and the nodes, it returns the actions that move the cluster toward `replicas` live slots.
 *
 * 1. A runnable task that ended (terminal state) is acknowledged (desired shutdown) and, if the
 *    restart policy allows, replaced in the same slot after the delay.
 * 2. A runnable task displaced from its node (`displacedBy`: node down, drained or removed) is
 *    shut down and replaced in the same slot at once, whatever the restart policy, and the
 *    replacement is not a restart (no delay, not counted toward max attempts): it is not the
 *    task's fault. A slot left with no runnable task because its newest task was shut down on
 *    such a node (`removeNode` does that) is refilled the same way.
 * 3. A slot whose newest task ended under the current spec and was not restarted is finished:
 *    it still counts, so restart condition `none` is not undone; a spec change refills it.
 * 4. Missing slots are created at the lowest free numbers; excess slots are removed, those
 *    without a running task first, then those on the busiest node, then the highest numbers.
 * 5. Live tasks of an older task spec are replaced by the rolling updater (`planUpdate`).
 */
export function reconcileReplicated(input: ReconcileInput): OrchestratorAction[] {
  return planReplicated(input).actions;
}

/** `reconcileReplicated` with the time at which it must run again (update delay or monitor). */
export function planReplicated(input: ReconcileInput): {
  actions: OrchestratorAction[];
  wakeAt: number;
} {
  const { service, now } = input;
  const actions: OrchestratorAction[] = [];
  const slots = groupBySlot(input.tasks);
  const live = new Set<number>();
  const finished = new Set<number>();
  const policy = service.spec.task.restartPolicy;

  for (const [slot, tasks] of slots) {
    const runnable = tasks.filter(isRunnable);
    // A live task anywhere in the slot (whatever its position) means the slot needs no restart.
    if (runnable.some((t) => !hasEnded(t, input.nodes))) live.add(slot);
    for (const t of runnable) {
      const displaced = displacedBy(t, input.nodes);
      if (!displaced && !isTerminalState(t.status.state)) continue;
      actions.push({
        type: 'set-desired',
        taskId: t.id,
        desiredState: 'shutdown',
        message: displaced ?? `task ended: ${t.status.state}`,
      });
      if (live.has(slot)) continue;
      if (displaced) {
        // A held restart stays held: the crash that caused it still deserves its delay.
        const desiredState = t.desiredState === 'ready' ? 'ready' : 'running';
        actions.push({ type: 'create', slot, desiredState, restart: false });
        live.add(slot);
      } else if (shouldRestart(policy, t, input.restartHistory(slot), now)) {
        const delayed = policy.delayMs > 0;
        actions.push({
          type: 'create',
          slot,
          desiredState: delayed ? 'ready' : 'running',
          restart: true,
        });
        live.add(slot);
      } else if (isCurrentSpec(t, service)) {
        finished.add(slot);
      }
    }
    if (runnable.length > 0 || live.has(slot)) continue;
    const newest = newestTask(tasks);
    if (newest?.desiredState === 'shutdown' && displacedBy(newest, input.nodes)) {
      actions.push({ type: 'create', slot, desiredState: 'running', restart: false });
      live.add(slot);
    } else if (isFinishedSlot(newest, service)) {
      finished.add(slot);
    }
  }

  const occupied = new Set([...live, ...finished]);
  const want = service.spec.replicas;
  for (let slot = 1; occupied.size < want; slot++) {
    if (occupied.has(slot)) continue;
    occupied.add(slot);
    actions.push({ type: 'create', slot, desiredState: 'running', restart: false });
  }
  let removed = new Set<number>();
  if (occupied.size > want) {
    removed = new Set(slotsToRemove([...occupied], occupied.size - want, slots, finished));
    // A removed slot gets no replacement task (it would be removed again on the next pass).
    for (let i = actions.length - 1; i >= 0; i--) {
      const a = actions[i]!;
      if (a.type === 'create' && removed.has(a.slot)) actions.splice(i, 1);
    }
    for (const slot of removed) {
      for (const t of slots.get(slot) ?? []) {
        if (taskStateRank(t.desiredState) < taskStateRank('remove')) {
          actions.push({
            type: 'set-desired',
            taskId: t.id,
            desiredState: 'remove',
            message: 'service scaled down',
          });
        }
      }
    }
  }
  // Only slots with a stored live task: a slot whose replacement is being created in this pass
  // is already on the current spec.
  const isLive = (t: Task): boolean => isRunnable(t) && !hasEnded(t, input.nodes);
  const kept = [...live].filter(
    (slot) => !removed.has(slot) && (slots.get(slot) ?? []).some(isLive),
  );
  const update = planUpdate({
    service,
    slots: new Map([...slots].map(([slot, tasks]) => [String(slot), tasks])),
    liveSlots: kept.map(String),
    isLive,
    place: (key) => ({ slot: Number(key) }),
    now,
  });
  actions.push(...update.actions);
  return { actions: dedupe(actions), wakeAt: update.wakeAt };
}

/** Every task of a deleted service is removed (stopped, then deleted by the reaper). */
export function reconcileDeleted(tasks: readonly Task[]): OrchestratorAction[] {
  return tasks
    .filter((t) => taskStateRank(t.desiredState) < taskStateRank('remove'))
    .map((t) => ({
      type: 'set-desired',
      taskId: t.id,
      desiredState: 'remove',
      message: 'service removed',
    }));
}

/**
 * Why a task's node can no longer run it (swarmkit's `orchestrator.InvalidNode`), or undefined.
 * Only tasks that reached a node (assigned..running) can be displaced. A node that is `unknown`
 * (just joined, or waiting to reconnect after a leader change: the dispatcher marks it DOWN only
 * after the heartbeat grace) or paused keeps its tasks.
 */
export function displacedBy(t: Task, nodes: ReadonlyMap<string, Node>): string | undefined {
  if (!t.nodeId || !isActiveState(t.status.state)) return undefined;
  const node = nodes.get(t.nodeId);
  if (!node) return `node ${t.nodeId} was removed`;
  if (node.status.state === 'down') return `node ${t.nodeId} is down`;
  if (node.spec.availability === 'drain') return `node ${t.nodeId} is drained`;
  return undefined;
}

function hasEnded(t: Task, nodes: ReadonlyMap<string, Node>): boolean {
  return isTerminalState(t.status.state) || displacedBy(t, nodes) !== undefined;
}

function newestTask(tasks: readonly Task[]): Task | undefined {
  return tasks.reduce<Task | undefined>(
    (a, t) => (!a || t.meta.version > a.meta.version ? t : a),
    undefined,
  );
}

function isFinishedSlot(newest: Task | undefined, service: Service): boolean {
  return (
    newest !== undefined && newest.desiredState === 'shutdown' && isCurrentSpec(newest, service)
  );
}

function slotsToRemove(
  occupied: number[],
  n: number,
  slots: Map<number, Task[]>,
  finished: Set<number>,
): number[] {
  const running = (slot: number): boolean =>
    !finished.has(slot) &&
    (slots.get(slot) ?? []).some((t) => isRunnable(t) && t.status.state === 'running');
  const nodeLoad = new Map<string, number>();
  const nodeOf = (slot: number): string => (slots.get(slot) ?? []).find(isRunnable)?.nodeId ?? '';
  for (const slot of occupied) nodeLoad.set(nodeOf(slot), (nodeLoad.get(nodeOf(slot)) ?? 0) + 1);
  const ranked = [...occupied].sort(
    (a, b) =>
      Number(running(a)) - Number(running(b)) ||
      (nodeLoad.get(nodeOf(b)) ?? 0) - (nodeLoad.get(nodeOf(a)) ?? 0) ||
      b - a,
  );
  return ranked.slice(0, n);
}

function groupBySlot(tasks: readonly Task[]): Map<number, Task[]> {
  const m = new Map<number, Task[]>();
  for (const t of tasks) {
    const list = m.get(t.slot);
    if (list) list.push(t);
    else m.set(t.slot, [t]);
  }
  return m;
}

/** Keeps the furthest-forward desired state per task. */
function dedupe(actions: OrchestratorAction[]): OrchestratorAction[] {
  const best = new Map<string, Extract<OrchestratorAction, { type: 'set-desired' }>>();
  const out: OrchestratorAction[] = [];
  for (const a of actions) {
    if (a.type !== 'set-desired') {
      out.push(a);
      continue;
    }
    const prev = best.get(a.taskId);
    if (!prev || taskStateRank(a.desiredState) > taskStateRank(prev.desiredState))
      best.set(a.taskId, a);
  }
  return [...best.values(), ...out];
}
