import { isTerminalState, type Node, type Service, type Task } from '@swarmlet/api-types';
import { parseConstraint, satisfies } from '../scheduler/constraints.js';
import type { OrchestratorAction } from './actions.js';
import { displacedBy, isRunnable } from './replicated.js';
import { shouldRestart } from './restart.js';
import { isCurrentSpec, planUpdate } from './update.js';

export interface GlobalInput {
  service: Service;
  tasks: readonly Task[];
  nodes: ReadonlyMap<string, Node>;
  now: number;
  /** Earlier restart times of the service's task on a node. */
  restartHistory: (nodeId: string) => readonly number[];
}

/** Whether a node meets the service's placement constraints. */
export function meetsConstraints(node: Node, service: Service): boolean {
  const constraints = service.spec.task.placement?.constraints ?? [];
  return constraints.every((c) => satisfies(node, parseConstraint(c)));
}

/** Why a node may no longer hold the service's task, or undefined (pause keeps tasks). */
function unfitBy(node: Node | undefined, nodeId: string, service: Service): string | undefined {
  if (!node) return `node ${nodeId} was removed`;
  if (node.status.state === 'down') return `node ${nodeId} is down`;
  if (node.spec.availability === 'drain') return `node ${nodeId} is drained`;
  if (!meetsConstraints(node, service)) return `node ${nodeId} no longer meets the constraints`;
  return undefined;
}

/** A node that should get a task: not down, active, meeting the constraints. */
export function isEligible(node: Node, service: Service): boolean {
  return (
    node.status.state !== 'down' &&
    node.spec.availability === 'active' &&
    meetsConstraints(node, service)
  );
}

/**
 * The global reconciler (swarmkit's orchestrator/global), pure: one task per eligible node.
 * A node that joins, is activated or gains the labels the constraints want gets a task (created
 * for that node, PENDING until the scheduler checks it fits); a node that is removed, goes down,
 * is drained or loses those labels has its task shut down. An ended task is replaced on its node
 * per the restart policy; one that ended on its own and was not restarted leaves the node
 * finished until the spec changes. Outdated tasks are replaced by the rolling updater, node by
 * node.
 */
export function planGlobal(input: GlobalInput): { actions: OrchestratorAction[]; wakeAt: number } {
  const { service, nodes, now } = input;
  const policy = service.spec.task.restartPolicy;
  const actions: OrchestratorAction[] = [];
  const byNode = new Map<string, Task[]>();
  for (const t of input.tasks) {
    if (!t.nodeId) continue;
    byNode.set(t.nodeId, [...(byNode.get(t.nodeId) ?? []), t]);
  }
  const live = new Set<string>();
  const done = new Set<string>();
  for (const [nodeId, tasks] of byNode) {
    const node = nodes.get(nodeId);
    const runnable = tasks.filter(isRunnable);
    const unfit = unfitBy(node, nodeId, service);
    if (unfit) {
      for (const t of runnable) actions.push(shutdown(t.id, unfit));
      continue;
    }
    if (runnable.some((t) => !isTerminalState(t.status.state))) live.add(nodeId);
    for (const t of runnable.filter((x) => isTerminalState(x.status.state))) {
      actions.push(shutdown(t.id, `task ended: ${t.status.state}`));
      if (live.has(nodeId)) continue;
      if (
        node?.spec.availability === 'active' &&
        shouldRestart(policy, t, input.restartHistory(nodeId), now)
      ) {
        const desiredState = policy.delayMs > 0 ? 'ready' : 'running';
        actions.push({ type: 'create', slot: 0, nodeId, desiredState, restart: true });
        live.add(nodeId);
      } else if (isCurrentSpec(t, service)) done.add(nodeId);
    }
    if (!live.has(nodeId) && endedOnItsOwn(newest(tasks), service)) done.add(nodeId);
  }
  for (const node of nodes.values()) {
    if (live.has(node.id) || done.has(node.id) || !isEligible(node, service)) continue;
    actions.push({
      type: 'create',
      slot: 0,
      nodeId: node.id,
      desiredState: 'running',
      restart: false,
    });
    live.add(node.id);
  }
  const isLive = (t: Task): boolean =>
    isRunnable(t) && !isTerminalState(t.status.state) && displacedBy(t, nodes) === undefined;
  const liveSlots = [...byNode.keys()].filter(
    (id) => live.has(id) && (byNode.get(id) ?? []).some(isLive),
  );
  const update = planUpdate({
    service,
    slots: byNode,
    liveSlots,
    isLive,
    place: (nodeId) => ({ slot: 0, nodeId }),
    now,
  });
  return { actions: [...actions, ...update.actions], wakeAt: update.wakeAt };
}

function shutdown(taskId: string, message: string): OrchestratorAction {
  return { type: 'set-desired', taskId, desiredState: 'shutdown', message };
}

function newest(tasks: readonly Task[]): Task | undefined {
  return tasks.reduce<Task | undefined>(
    (a, t) => (!a || t.meta.version > a.meta.version ? t : a),
    undefined,
  );
}

/** The node's newest task ended by itself (not shut down by us) under the current spec. */
function endedOnItsOwn(t: Task | undefined, service: Service): boolean {
  if (!t || isRunnable(t) || !isCurrentSpec(t, service)) return false;
  return ['complete', 'failed', 'rejected'].includes(t.status.state);
}
