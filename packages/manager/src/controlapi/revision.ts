import { isDeepStrictEqual } from 'node:util';
import {
  SwarmletError,
  type Node,
  type Service,
  type ServiceSpec,
  type ServiceStatus,
  type Task,
} from '@swarmlet/api-types';
import { isEligible } from '../orchestrator/global.js';
import { jobProgress } from '../orchestrator/jobs.js';

const isJob = (s: ServiceSpec): boolean => s.mode.endsWith('-job');

/**
 * A service with a new spec (pure). A change of the task spec starts a rolling update: the old
 * spec is kept as `previousSpec` (what `service rollback` returns to) and the update status is
 * `updating`. Any update of a job runs it again (a new `jobIteration`), as in Docker.
 */
export function revise(current: Service, spec: ServiceSpec, now: number): Service {
  if (isJob(spec)) {
    const { updateStatus: _u, ...rest } = current;
    return { ...rest, spec, jobIteration: (current.jobIteration ?? 0) + 1 };
  }
  if (isDeepStrictEqual(spec.task, current.spec.task)) return { ...current, spec };
  return {
    ...current,
    spec,
    previousSpec: current.spec,
    updateStatus: {
      state: 'updating',
      startedAt: new Date(now).toISOString(),
      message: 'update in progress',
    },
  };
}

/** `service rollback`: back to the previous spec, rolled with the rollback config. */
export function rollback(current: Service, now: number): Service {
  if (isJob(current.spec))
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      'a job cannot be rolled back: update it instead',
    );
  if (!current.previousSpec)
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `service ${current.spec.name} has no previous spec to roll back to`,
    );
  return {
    ...current,
    spec: current.previousSpec,
    previousSpec: current.spec,
    updateStatus: {
      state: 'rollback_started',
      startedAt: new Date(now).toISOString(),
      message: 'manually requested rollback',
    },
  };
}

/**
 * What `service ls` counts (pure): running tasks against the desired ones, which are `replicas`,
 * the eligible nodes (global) or the job's completions; jobs add their state.
 */
export function serviceStatus(
  svc: Service,
  tasks: readonly Task[],
  nodes: ReadonlyMap<string, Node>,
): ServiceStatus {
  const running = (t: Task): boolean =>
    t.status.state === 'running' && t.desiredState === 'running';
  const mode = svc.spec.mode;
  if (isJob(svc.spec)) {
    const mine = tasks.filter((t) => (t.jobIteration ?? 0) === (svc.jobIteration ?? 0));
    const p = jobProgress(svc, mine, nodes);
    return {
      runningTasks: mine.filter(running).length,
      desiredTasks: p.desired,
      completedTasks: p.completed,
      jobState: p.state,
      jobMessage: p.message,
    };
  }
  const runningTasks = tasks.filter(running).length;
  if (mode === 'global') {
    const desired = [...nodes.values()].filter((n) => isEligible(n, svc)).length;
    return { runningTasks, desiredTasks: desired };
  }
  return { runningTasks, desiredTasks: svc.spec.replicas };
}
