import {
  isTerminalState,
  taskStateRank,
  type Task,
  type TaskState,
  type TaskStatus,
} from '@swarmlet/api-types';
import { advance, type StepResult } from './advance.js';
import type { TaskController } from './executor.js';
import type { Semaphore } from './semaphore.js';

export interface TaskRunnerDeps {
  ctlr: TaskController;
  report: (taskId: string, status: TaskStatus) => void;
  /** Bounds how many tasks prepare or start at once on this node. */
  engineSlots: Semaphore;
  onError?: (taskId: string, error: string) => void;
}

/** A step that left the engine slot; the main loop awaits the rest. */
interface Later {
  later: Promise<StepResult>;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * Drives one task (swarmkit's agent/task.go): runs `advance` until the task reaches a state
 * where it must wait, reports each new status, and wakes up when the manager changes the
 * task's desired state. A blocked `wait()` is aborted when the desired state changes so that a
 * shutdown is not delayed by a running container.
 */
export class TaskRunner {
  private task: Task;
  private status: TaskStatus;
  private wake: (() => void) | undefined;
  /** Set when woken while not sleeping, so the next sleep returns at once. */
  private kicked = false;
  private stepAbort = new AbortController();
  private stopped = false;
  private done: Promise<void> | undefined;

  constructor(
    task: Task,
    private readonly deps: TaskRunnerDeps,
  ) {
    this.task = task;
    this.status = task.status;
  }

  get current(): TaskStatus {
    return this.status;
  }

  start(): void {
    this.done ??= this.run();
  }

  /** A new version of the assignment: takes its desired state; keeps our status if further along. */
  update(task: Task): void {
    const desiredChanged = task.desiredState !== this.task.desiredState;
    this.task = task;
    if (taskStateRank(task.status.state) > taskStateRank(this.status.state))
      this.status = task.status;
    if (desiredChanged) this.kick();
  }

  /** Stops driving the task (it was removed); resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.done;
  }

  private async run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.stopped) {
      if (this.stepAbort.signal.aborted) this.stepAbort = new AbortController();
      const result = await this.step();
      if (this.stopped) return;
      if (result.kind === 'status') {
        this.status = result.status;
        this.deps.report(this.task.id, result.status);
        delay = RETRY_MIN_MS;
        continue;
      }
      if (result.kind === 'retry') {
        this.deps.onError?.(this.task.id, result.error);
        await this.sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
        continue;
      }
      if (isTerminalState(this.status.state)) return;
      await this.sleep(Infinity);
    }
  }

  private async step(): Promise<StepResult> {
    const needsEngine = this.status.state === 'preparing' || this.status.state === 'starting';
    if (!needsEngine) return advance(this.task, this.status, this.deps.ctlr, this.stepAbort.signal);
    const result = await this.deps.engineSlots.run(() => this.engineSteps());
    return 'later' in result ? result.later : result;
  }

  /**
   * Runs the engine steps that follow each other, create through start, in one engine slot:
   * a created task does not queue again behind other tasks' creates before it starts. Statuses
   * on the way are reported; the last result goes back to the main loop.
   */
  private async engineSteps(): Promise<StepResult | Later> {
    let result = await this.stepInSlot();
    while (
      'kind' in result &&
      result.kind === 'status' &&
      !this.stopped &&
      this.continuesInSlot(result.status.state)
    ) {
      this.status = result.status;
      this.deps.report(this.task.id, result.status);
      result = await this.stepInSlot();
    }
    return result;
  }

  /**
   * One step in the engine slot. A start whose container runs but waits for its health check
   * reports progress: the step then goes on outside the slot (`later`), so slow health checks
   * never hold back other tasks' creates and starts.
   */
  private stepInSlot(): Promise<StepResult | Later> {
    let leave = (): void => undefined;
    const left = new Promise<void>((resolve) => (leave = resolve));
    const step = advance(this.task, this.status, this.deps.ctlr, this.stepAbort.signal, (m) => {
      this.progress(m);
      leave();
    });
    return Promise.race([step, left.then(() => ({ later: step }))]);
  }

  /** A message while the state stays the same (`starting (health: starting)`). */
  private progress(message: string): void {
    if (this.stopped || this.stepAbort.signal.aborted || this.status.message === message) return;
    this.status = { ...this.status, message, timestamp: new Date().toISOString() };
    this.deps.report(this.task.id, this.status);
  }

  private continuesInSlot(state: TaskState): boolean {
    if (state === 'starting') return true;
    return (
      state === 'ready' &&
      taskStateRank(this.task.desiredState) >= taskStateRank('running') &&
      taskStateRank(this.task.desiredState) < taskStateRank('shutdown')
    );
  }

  private kick(): void {
    this.stepAbort.abort();
    this.kicked = true;
    this.wake?.();
  }

  /** Sleeps until woken by an update or stop, or until `ms` passes. */
  private sleep(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // A timed-out sleep must drop its waker: a stale one would swallow the next kick.
      const timer = Number.isFinite(ms)
        ? setTimeout(() => ((this.wake = undefined), done()), ms)
        : undefined;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        this.kicked = false;
        done();
      };
    });
  }
}
