import { isDeepStrictEqual } from 'node:util';
import type { ServiceView, Task } from '@swarmlet/api-types';
import { computeProgress, type Progress } from './converge.js';

/**
 * Where a service stands, by mode (pure): replicated services by slot (`computeProgress`);
 * global services one line per node that should run a task, against the eligible nodes the
 * manager counts; jobs once the current iteration completed.
 *
 * `update` names the update this command started (the `startedAt` of the update status the
 * write answered) and whether the command asked for a rollback. An update or rollback in
 * progress is converged only once the manager says it completed (after its monitor period); a
 * paused update, or a rollback the command did not ask for, ends the wait with `error`.
 * Without `update` (create, scale) the update status is not looked at.
 */
export function progressOf(
  service: ServiceView,
  tasks: readonly Task[],
  update?: { startedAt: string; rollback: boolean },
): Progress & { error?: string } {
  const spec = service.spec;
  if (spec.mode === 'replicated-job' || spec.mode === 'global-job')
    return jobProgressOf(service, tasks);
  const p =
    spec.mode === 'global'
      ? globalProgress(service, tasks)
      : computeProgress(spec.replicas, tasks, spec.task);
  const st = service.updateStatus;
  if (!update || !st || st.startedAt < update.startedAt) return p;
  if (st.state === 'paused' || st.state === 'rollback_paused') return { ...p, error: st.message };
  const converged = p.converged && (st.state === 'completed' || st.state === 'rollback_completed');
  if (!update.rollback && st.state.startsWith('rollback_'))
    return converged ? { ...p, converged, error: `rollback: ${st.message}` } : { ...p, converged };
  return { ...p, converged };
}

function globalProgress(service: ServiceView, tasks: readonly Task[]): Progress {
  const desired = service.serviceStatus.desiredTasks;
  const wanted = tasks.filter((t) => t.desiredState === 'running');
  const nodes = [...new Set(wanted.map((t) => t.nodeId))].sort();
  const current = (t: Task): boolean => isDeepStrictEqual(t.spec, service.spec.task);
  const slots = nodes.map((nodeId, i) => {
    const t =
      wanted.find((x) => x.nodeId === nodeId && current(x)) ??
      wanted.find((x) => x.nodeId === nodeId);
    return { slot: i + 1, state: t?.status.state, err: t?.status.err ?? '' };
  });
  const running = wanted.filter((t) => current(t) && t.status.state === 'running').length;
  const extraRunning = tasks.filter(
    (t) => t.status.state === 'running' && (t.desiredState !== 'running' || !current(t)),
  ).length;
  return {
    replicas: desired,
    running,
    slots,
    extraRunning,
    converged: running === desired && extraRunning === 0,
  };
}

function jobProgressOf(
  service: ServiceView,
  tasks: readonly Task[],
): Progress & { error?: string } {
  const s = service.serviceStatus;
  const mine = tasks.filter((t) => (t.jobIteration ?? 0) === (service.jobIteration ?? 0));
  const slots = mine
    .filter((t) => t.desiredState === 'running' || t.status.state === 'complete')
    .map((t, i) => ({ slot: i + 1, state: t.status.state, err: t.status.err }));
  const p: Progress = {
    replicas: s.desiredTasks,
    running: s.completedTasks ?? 0,
    slots,
    extraRunning: 0,
    converged: s.jobState === 'completed',
  };
  return s.jobState === 'failed' ? { ...p, error: s.jobMessage ?? 'job failed' } : p;
}
