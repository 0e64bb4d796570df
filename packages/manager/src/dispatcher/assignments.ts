import { taskStateRank, type AssignmentChange, type Task } from '@swarmlet/api-types';
import type { ObjectEvent } from '@swarmlet/store';

/** A task the node must know about: assigned to it and past scheduling. */
export function isAssignedTo(t: Task | undefined, nodeId: string): t is Task {
  return (
    t !== undefined &&
    t.nodeId === nodeId &&
    taskStateRank(t.status.state) >= taskStateRank('assigned')
  );
}

/**
 * The increment one task event means for a node's agent, if any. Status changes the agent made
 * itself are not echoed back; desired-state changes, new assignments and removals are.
 */
export function assignmentChange(ev: ObjectEvent, nodeId: string): AssignmentChange | undefined {
  if (ev.kind !== 'task') return undefined;
  const now = ev.op === 'delete' ? undefined : ev.object;
  const was = ev.old;
  const visibleNow = isAssignedTo(now, nodeId);
  const visibleBefore = isAssignedTo(was, nodeId);
  if (!visibleNow) return visibleBefore ? { action: 'remove', taskId: ev.object.id } : undefined;
  if (!visibleBefore || was!.desiredState !== now!.desiredState) {
    return { action: 'update', task: now! };
  }
  return undefined;
}
