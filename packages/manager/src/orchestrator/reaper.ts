import { isTerminalState, taskStateRank, type Task } from '@swarmlet/api-types';
import { isRunnable } from './replicated.js';

/**
 * Which tasks of one service to delete (swarmkit's taskreaper), pure:
 * - a task with desired state `remove` once it has stopped, or if it never reached a node;
 * - per slot, finished tasks beyond the history limit, oldest first. The limit counts the live
 *   task too (swarmkit's TaskHistoryRetentionLimit); the newest task of a slot is always kept
 *   so a finished slot stays finished.
 */
export function tasksToReap(tasks: readonly Task[], historyLimit: number): string[] {
  const out: string[] = [];
  const bySlot = new Map<number, Task[]>();
  for (const t of tasks) {
    if (t.desiredState === 'remove') {
      if (
        isTerminalState(t.status.state) ||
        taskStateRank(t.status.state) < taskStateRank('assigned')
      )
        out.push(t.id);
      continue;
    }
    const list = bySlot.get(t.slot) ?? [];
    list.push(t);
    bySlot.set(t.slot, list);
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
