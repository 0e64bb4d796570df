import { isTerminalState, type Node, type Service, type Task } from '@swarmlet/api-types';
import type { OrchestratorAction } from './actions.js';
import { isEligible } from './global.js';
import { displacedBy, isRunnable } from './replicated.js';

export interface JobInput {
  service: Service;
  tasks: readonly Task[];
  nodes: ReadonlyMap<string, Node>;
  now: number;
}

/** Where a job stands, derived from its tasks (what `service ls` and `inspect` show). */
export interface JobProgress {
  state: 'running' | 'completed' | 'failed';
  /** Completed tasks of the current iteration. */
  completed: number;
  /** Completions wanted: `replicas`, or the eligible nodes of a global job. */
  desired: number;
  /** Tasks of the current iteration that failed (or were rejected). */
  failures: number;
  message: string;
}

const iterationOf = (s: Service): number => s.jobIteration ?? 0;
const FAILED = new Set(['failed', 'rejected']);

/**
 * The job's failure budget (Kubernetes' backoffLimit): `--restart-max-attempts` retries, none
 * with restart condition `none`.
 */
export function backoffLimit(service: Service): number {
  const p = service.spec.task.restartPolicy;
  return p.condition === 'none' ? 0 : p.maxAttempts;
}

/** Progress of the service's current job iteration; pure. */
export function jobProgress(
  service: Service,
  tasks: readonly Task[],
  nodes: ReadonlyMap<string, Node>,
): JobProgress {
  const mine = tasks.filter((t) => (t.jobIteration ?? 0) === iterationOf(service));
  const completed = mine.filter((t) => t.status.state === 'complete');
  const failed = mine.filter((t) => FAILED.has(t.status.state));
  const global = service.spec.mode === 'global-job';
  const doneNodes = new Set(completed.map((t) => t.nodeId));
  const eligible = [...nodes.values()].filter((n) => isEligible(n, service));
  const desired = global
    ? new Set([...eligible.map((n) => n.id), ...doneNodes]).size
    : service.spec.replicas;
  const limit = backoffLimit(service);
  const base = { completed: completed.length, desired, failures: failed.length };
  if (failed.length > limit) {
    const last = failed.reduce((a, t) => (t.status.timestamp > a.status.timestamp ? t : a));
    const err = last.status.err || last.status.state;
    return {
      ...base,
      state: 'failed',
      message: `job failed: ${failed.length} task${failed.length === 1 ? '' : 's'} failed (backoff limit ${limit}); last: ${err}`,
    };
  }
  const finished = global
    ? eligible.every((n) => doneNodes.has(n.id))
    : completed.length >= service.spec.replicas;
  if (finished) return { ...base, state: 'completed', message: 'job completed' };
  return { ...base, state: 'running', message: `${completed.length}/${desired} completed` };
}

/**
 * The job reconciler (swarmkit's orchestrator/jobs), pure. Tasks of the current `jobIteration`
 * run to completion: a replicated job until `replicas` tasks completed, at most `maxConcurrent`
 * at a time (default `replicas`); a global job once on every eligible node (nodes that join
 * later too). A failed task is retried after the restart delay while the failures stay within
 * the backoff limit; past it the job has failed and its remaining tasks are shut down. Tasks of
 * an older iteration are shut down. Ended tasks are acknowledged (desired shutdown) and kept as
 * the job's history. A task lost with its node is replaced without counting as a failure.
 */
export function planJob(input: JobInput): { actions: OrchestratorAction[]; wakeAt: number } {
  const { service, nodes, now } = input;
  const iteration = iterationOf(service);
  const actions: OrchestratorAction[] = [];
  const mine: Task[] = [];
  for (const t of input.tasks) {
    if ((t.jobIteration ?? 0) === iteration) mine.push(t);
    else if (isRunnable(t))
      actions.push(shutdown(t.id, `superseded by job iteration ${iteration}`));
  }
  const progress = jobProgress(service, mine, nodes);
  const live: Task[] = [];
  for (const t of mine.filter(isRunnable)) {
    const lost = displacedBy(t, nodes);
    if (lost || isTerminalState(t.status.state))
      actions.push(shutdown(t.id, lost ?? `task ended: ${t.status.state}`));
    else if (progress.state === 'failed') actions.push(shutdown(t.id, progress.message));
    else live.push(t);
  }
  if (progress.state !== 'running') return { actions, wakeAt: Infinity };

  // Retries wait for the restart delay after the latest failure.
  const failures = mine.filter((t) => FAILED.has(t.status.state));
  const lastFailure = Math.max(-Infinity, ...failures.map((t) => Date.parse(t.status.timestamp)));
  const retryAt = lastFailure + service.spec.task.restartPolicy.delayMs;
  if (retryAt > now) return { actions, wakeAt: retryAt };

  const create = (slot: number, nodeId?: string): OrchestratorAction => ({
    type: 'create',
    slot,
    ...(nodeId ? { nodeId } : {}),
    desiredState: 'running',
    restart: false,
    jobIteration: iteration,
  });
  if (service.spec.mode === 'global-job') {
    const busy = new Set([
      ...live.map((t) => t.nodeId),
      ...mine.filter((t) => t.status.state === 'complete').map((t) => t.nodeId),
    ]);
    for (const node of nodes.values())
      if (!busy.has(node.id) && isEligible(node, service)) actions.push(create(0, node.id));
    return { actions, wakeAt: Infinity };
  }
  const want = service.spec.replicas - progress.completed - live.length;
  const room = (service.spec.maxConcurrent || service.spec.replicas) - live.length;
  const taken = new Set(
    mine.filter((t) => live.includes(t) || t.status.state === 'complete').map((t) => t.slot),
  );
  for (let slot = 1, n = Math.min(want, room); n > 0; slot++) {
    if (taken.has(slot)) continue;
    actions.push(create(slot));
    n--;
  }
  return { actions, wakeAt: Infinity };
}

function shutdown(taskId: string, message: string): OrchestratorAction {
  return { type: 'set-desired', taskId, desiredState: 'shutdown', message };
}
