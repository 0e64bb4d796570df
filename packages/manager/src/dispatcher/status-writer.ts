import {
  isTerminalState,
  taskStateRank,
  type TaskStatus,
  type TaskStatusUpdate,
} from '@swarmlet/api-types';
import type { MemoryStore } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';

/**
 * Writes task status reported by agents, group-committed: updates arriving while a write is in
 * flight go together in the next batch, so a burst of status costs a few fsyncs, not one each.
 * A status is applied only if the task is on the reporting node and the state moves forward
 * (or, in the same live state, the message changes).
 */
export class StatusWriter {
  private queue: { nodeId: string; update: TaskStatusUpdate }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: MemoryStore,
    private readonly log: Logger,
  ) {}

  enqueue(nodeId: string, updates: readonly TaskStatusUpdate[]): void {
    for (const update of updates) this.queue.push({ nodeId, update });
    this.flushing ??= this.flush();
  }

  /** Resolves once everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.store.batch((b) => {
          for (const { nodeId, update } of batch) b.update((tx) => applyStatus(tx, nodeId, update));
        });
      }
    } catch (err) {
      this.log.error({ err }, 'writing task status failed');
    } finally {
      this.flushing = undefined;
    }
  }
}

function applyStatus(
  tx: Parameters<Parameters<MemoryStore['update']>[0]>[0],
  nodeId: string,
  u: TaskStatusUpdate,
): void {
  const t = tx.get('task', u.taskId);
  if (!t || t.nodeId !== nodeId) return;
  const next = taskStateRank(u.status.state);
  const now = taskStateRank(t.status.state);
  if (next < now || (next === now && !isProgress(u.status, t.status))) return;
  tx.update('task', { ...t, status: u.status });
}

/**
 * A new message in the same live state, such as `starting (health: starting)` while a container
 * waits for its health check: shown to users, while the state itself never moves backwards.
 */
function isProgress(next: TaskStatus, now: TaskStatus): boolean {
  return !isTerminalState(now.state) && next.message !== now.message;
}
