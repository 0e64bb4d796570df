import { isDeepStrictEqual } from 'node:util';
import { isTerminalState, type Service, type Task } from '@swarmlet/api-types';
import type { OrchestratorAction } from './actions.js';

/** True when the task runs the service's current task spec. */
export function isCurrentSpec(task: Task, service: Service): boolean {
  return isDeepStrictEqual(task.spec, service.spec.task);
}

/**
 * The basic update, pure: after `service update` changes the task spec, live tasks of an older
 * spec are replaced one slot at a time, start-first. The new task is created beside the old one;
 * once it runs, the old one is shut down, and only when every task of the current spec runs does
 * the next slot begin. A replacement that failed is retried after the restart delay (held in
 * desired `ready`). Parallelism, delay, order and failure actions come with rolling updates.
 *
 * `liveSlots` are the slots kept after scaling; `isLive` tells a wanted, not-ended task.
 */
export function updateActions(
  service: Service,
  slots: ReadonlyMap<number, readonly Task[]>,
  liveSlots: readonly number[],
  isLive: (t: Task) => boolean,
): OrchestratorAction[] {
  const actions: OrchestratorAction[] = [];
  const outdated: number[] = [];
  let inFlight = false;
  for (const slot of [...liveSlots].sort((a, b) => a - b)) {
    const tasks = (slots.get(slot) ?? []).filter(isLive);
    const current = tasks.filter((t) => isCurrentSpec(t, service));
    if (current.length === 0) {
      outdated.push(slot);
      continue;
    }
    if (!current.some((t) => t.status.state === 'running' && t.desiredState === 'running')) {
      inFlight = true;
      continue;
    }
    for (const old of tasks.filter((t) => !isCurrentSpec(t, service))) {
      actions.push({
        type: 'set-desired',
        taskId: old.id,
        desiredState: 'shutdown',
        message: 'replaced by an updated task',
      });
    }
  }
  const next = outdated[0];
  if (inFlight || next === undefined) return actions;
  const failedBefore = (slots.get(next) ?? []).some(
    (t) => isCurrentSpec(t, service) && isTerminalState(t.status.state),
  );
  const delayMs = service.spec.task.restartPolicy.delayMs;
  const hold = failedBefore && delayMs > 0;
  actions.push({
    type: 'create',
    slot: next,
    desiredState: hold ? 'ready' : 'running',
    restart: false,
  });
  return actions;
}
