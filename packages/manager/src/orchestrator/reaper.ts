import { isTerminalState, taskStateRank, type Task } from '@swarmlet/api-types';
import { isRunnable } from './replicated.js';
import { slotKey } from './update.js';

/**
 * Which tasks of one service to delete (swarmkit's taskreaper), pure:
 * - a task with desired state `remove` once it has stopped, or if it never reached a node;
 * - per slot, finished tasks beyond the history limit, oldest first. The limit counts the live
 *   task too (swarmkit's TaskHistoryRetentionLimit); the newest task of a slot is always kept
 *   so a finished slot stays finished. Slots of global services are their nodes.
 * - never the tasks of job iteration `keepIteration`: a job keeps its history until removed.
 */
export function tasksToReap(
  tasks: readonly Task[],
  historyLimit: number,
  keepIteration?: number,
): string[] {
  const out: string[] = [];
  const bySlot = new Map<string, Task[]>();
  for (const t of tasks) {
    if (t.desiredState === 'remove') {
      if (
        isTerminalState(t.status.state) ||
        taskStateRank(t.status.state) < taskStateRank('assigned')
      )
        out.push(t.id);
      continue;
    }
    if (keepIteration !== undefined && (t.jobIteration ?? 0) === keepIteration) continue;
    const list = bySlot.get(slotKey(t)) ?? [];
    list.push(t);
    bySlot.set(slotKey(t), list);
  }
  for (const slotTasks of bySlot.values()) {
    const newestFirst = [...slotTasks].sort((a, b) => b.meta.version - a.meta.version);
    const keep = Math.max(historyLimit, 1);
    let kept = 0;
    for (const t of newestFirst) {
      const history = !isRunnable(t) && isTerminalState(t.status.state);
      if (!history || kept < keep) {
        kept++;
        continue;
      }
      out.push(t.id);
    }
  }
  return out;
}
