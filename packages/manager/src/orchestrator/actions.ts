import type { TaskState, UpdateStatus } from '@swarmlet/api-types';

/**
 * What a reconciler decides; the loop applies a whole list in one store batch.
 * - `create`: a new task in `slot`. `desiredState: 'ready'` holds a delayed restart: the task
 *   is scheduled and prepared (image, container); the orchestrator releases it to `running`
 *   once the task's own restart delay has passed since its creation (`releaseHeldTasks`).
 * - `set-desired`: move a task's desired state forward (never backwards).
 * - `delete`: remove a task object (reaper only).
 * - `update-status`: write the service's rolling-update state; with `rollback`, also swap the
 *   service's spec and previous spec (an automatic rollback after failures).
 *
 * A `create` of a global service names its `nodeId` (slot 0); a job task carries its
 * `jobIteration`; `waitsForSlot` marks a stop-first replacement (see `Task.waitsForSlot`).
 */
export type OrchestratorAction =
  | {
      type: 'create';
      slot: number;
      desiredState: 'running' | 'ready';
      restart: boolean;
      nodeId?: string;
      jobIteration?: number;
      waitsForSlot?: boolean;
    }
  | { type: 'set-desired'; taskId: string; desiredState: TaskState; message: string }
  | { type: 'delete'; taskId: string }
  | { type: 'update-status'; status: UpdateStatus; rollback?: boolean };
