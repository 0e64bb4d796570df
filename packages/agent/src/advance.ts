import {
  isTerminalState,
  taskStateRank,
  type Task,
  type TaskState,
  type TaskStatus,
} from '@swarmlet/api-types';
import { isExecutorError, type TaskController } from './executor.js';

/** The result of one step: a new status to report, nothing to do yet, or a retryable failure. */
export type StepResult =
  { kind: 'status'; status: TaskStatus } | { kind: 'noop' } | { kind: 'retry'; error: string };

const rank = taskStateRank;

/**
 * Moves a task one step toward its desired state (swarmkit's agent/exec.Do). `status` is the
 * agent's own view of the task. Each step calls the controller at most once, and every call is
 * idempotent, so re-running a step after a crash is safe:
 *   assigned -> accepted -> preparing -> (prepare) ready -> [desired running] starting ->
 *   (start) running -> (wait) complete | failed;  any -> shutdown when desired >= shutdown.
 * Permanent errors before STARTING reject the task; later ones fail it. A start that waits for
 * the container's health check passes its messages to `progress` (the state stays STARTING);
 * `signal` aborts it as it aborts the wait for the exit.
 */
export async function advance(
  task: Task,
  status: TaskStatus,
  ctlr: TaskController,
  signal: AbortSignal,
  progress?: (message: string) => void,
): Promise<StepResult> {
  const state = status.state;
  if (isTerminalState(state)) return { kind: 'noop' };
  if (rank(task.desiredState) >= rank('shutdown')) return shutdown(status, ctlr);
  try {
    switch (state) {
      case 'new':
      case 'pending':
      case 'assigned':
        return next(status, 'accepted', 'accepted');
      case 'accepted':
        return next(status, 'preparing', 'preparing');
      case 'preparing':
        await ctlr.prepare();
        return next(status, 'ready', 'prepared');
      case 'ready':
        return rank(task.desiredState) >= rank('running')
          ? next(status, 'starting', 'starting')
          : { kind: 'noop' };
      case 'starting':
        await ctlr.start(signal, progress);
        return next(status, 'running', 'started');
      case 'running':
        return await waitExit(status, ctlr, signal);
      default:
        return { kind: 'noop' };
    }
  } catch (err) {
    if (signal.aborted) return { kind: 'noop' };
    return failure(status, err);
  }
}

async function waitExit(
  status: TaskStatus,
  ctlr: TaskController,
  signal: AbortSignal,
): Promise<StepResult> {
  const exit = await ctlr.wait(signal);
  const ok = exit.exitCode === 0 && !exit.error;
  const err = ok ? '' : exit.error || `task: non-zero exit (${exit.exitCode})`;
  return {
    kind: 'status',
    status: {
      ...stamp(status, ok ? 'complete' : 'failed', ok ? 'finished' : 'failed'),
      err,
      exitCode: exit.exitCode,
    },
  };
}

async function shutdown(status: TaskStatus, ctlr: TaskController): Promise<StepResult> {
  try {
    if (rank(status.state) >= rank('preparing')) await ctlr.shutdown();
  } catch (err) {
    if (isExecutorError(err) && err.temporary) return { kind: 'retry', error: err.message };
  }
  return next(status, 'shutdown', 'shutdown');
}

function failure(status: TaskStatus, err: unknown): StepResult {
  const message = err instanceof Error ? err.message : String(err);
  if (isExecutorError(err) && err.temporary) return { kind: 'retry', error: message };
  const state = rank(status.state) < rank('starting') ? 'rejected' : 'failed';
  return { kind: 'status', status: { ...stamp(status, state, state), err: message } };
}

function next(status: TaskStatus, state: TaskState, message: string): StepResult {
  return { kind: 'status', status: stamp(status, state, message) };
}

function stamp(status: TaskStatus, state: TaskState, message: string): TaskStatus {
  return { ...status, state, message, timestamp: new Date().toISOString() };
}
