import type { TaskState } from '@swarmlet/api-types';

/**
 * What a reconciler decides; the loop applies a whole list in one store batch.
 * - `create`: a new task in `slot`. `desiredState: 'ready'` holds a delayed restart: the task
 *   is scheduled and prepared (image, container); the orchestrator releases it to `running`
 *   once the task's own restart delay has passed since its creation (`releaseHeldTasks`).
 * - `set-desired`: move a task's desired state forward (never backwards).
 * - `delete`: remove a task object (reaper only).
 */
export type OrchestratorAction =
  | {
      type: 'create';
      slot: number;
      desiredState: 'running' | 'ready';
      restart: boolean;
    }
  | { type: 'set-desired'; taskId: string; desiredState: TaskState; message: string }
  | { type: 'delete'; taskId: string };
