/**
 * Task states, in the only order a task may move through them (swarmkit's design/task_model.md).
 * The observed state (`task.status.state`) never moves backwards; components change only
 * `task.desiredState`, the agent moves the observed state, and the reaper deletes.
 */
export const TASK_STATES = [
  'new',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
  'running',
  'complete',
  'shutdown',
  'failed',
  'rejected',
  'remove',
  'orphaned',
] as const;

export type TaskState = (typeof TASK_STATES)[number];

const RANK: Record<TaskState, number> = Object.fromEntries(
  TASK_STATES.map((s, i) => [s, i]),
) as Record<TaskState, number>;

/** Position of a state in the task life cycle; later states have larger ranks. */
export function taskStateRank(state: TaskState): number {
  return RANK[state];
}

/** True when `a` comes strictly before `b` in the life cycle. */
export function taskStateBefore(a: TaskState, b: TaskState): boolean {
  return RANK[a] < RANK[b];
}

/** A task at or past `running`'s successors has stopped for good (complete, shutdown, failed, ...). */
export function isTerminalState(state: TaskState): boolean {
  return RANK[state] > RANK.running;
}

/** States in which a container may exist and consume resources on a node. */
export function isActiveState(state: TaskState): boolean {
  return RANK[state] >= RANK.assigned && RANK[state] <= RANK.running;
}
