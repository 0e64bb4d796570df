import { isDeepStrictEqual } from 'node:util';
import type { Task, TaskSpec, TaskState } from '@swarmlet/api-types';

/** What one replica slot shows: the state of its current task and the last error seen. */
export interface SlotProgress {
  slot: number;
  /** Observed state of the slot's current task; undefined while no task exists yet. */
  state: TaskState | undefined;
  /** Error of the current task, or of the latest failed attempt while it is not yet running. */
  err: string;
}

/** Where a replicated service stands against its desired replica count. */
export interface Progress {
  replicas: number;
  /** Slots whose current task is desired and observed running. */
  running: number;
  slots: SlotProgress[];
  /** Tasks still running though no longer wanted (scale down, update): must stop first. */
  extraRunning: number;
  converged: boolean;
}

function newestFirst(a: Task, b: Task): number {
  return b.meta.createdAt.localeCompare(a.meta.createdAt) || b.meta.version - a.meta.version;
}

function slotProgress(
  slot: number,
  tasks: readonly Task[],
  isCurrent: (t: Task) => boolean,
): SlotProgress {
  const inSlot = tasks.filter((t) => t.slot === slot).sort(newestFirst);
  const current =
    inSlot.find(isCurrent) ?? inSlot.find((t) => t.desiredState === 'running') ?? inSlot[0];
  if (!current) return { slot, state: undefined, err: '' };
  const running = current.status.state === 'running';
  // Failed attempts of the same spec explain a slot that is not running yet; those of an older
  // spec (before `service update`) do not.
  const lastErr = inSlot.find((t) => t.status.err !== '' && t.specVersion === current.specVersion);
  const err = current.status.err || (running ? '' : (lastErr?.status.err ?? ''));
  return { slot, state: current.status.state, err };
}

/**
 * Convergence of a replicated service, as `docker service create` waits for it: every slot
 * 1..replicas has a task desired and observed `running` (running `spec`, when given, so an
 * update converges only once every task is replaced), and no other task still runs (tasks of
 * removed slots or old specs must have stopped). Pure: the caller polls and re-evaluates.
 */
export function computeProgress(
  replicas: number,
  tasks: readonly Task[],
  spec?: TaskSpec,
): Progress {
  const isCurrent = (t: Task): boolean =>
    t.desiredState === 'running' &&
    t.slot >= 1 &&
    t.slot <= replicas &&
    (spec === undefined || isDeepStrictEqual(t.spec, spec));
  const slots: SlotProgress[] = [];
  for (let slot = 1; slot <= replicas; slot++) slots.push(slotProgress(slot, tasks, isCurrent));
  const running = tasks.filter((t) => isCurrent(t) && t.status.state === 'running');
  const runningSlots = new Set(running.map((t) => t.slot)).size;
  const extraRunning = tasks.filter((t) => !isCurrent(t) && t.status.state === 'running').length;
  return {
    replicas,
    running: runningSlots,
    slots,
    extraRunning,
    converged: runningSlots === replicas && extraRunning === 0,
  };
}
