import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Task, TaskState, TaskStatus } from '@swarmlet/api-types';
import { sampleAssignedTask, sampleTaskSpec } from '@swarmlet/api-types/testing';
import { ExecutorError, type TaskController } from './executor.js';
import { FakeExecutor } from './fake-executor.js';
import { Semaphore } from './semaphore.js';
import { TaskRunner } from './task-runner.js';

const HEALTH = 'starting (health: starting)';

function task(id: string, desired: TaskState = 'running'): Task {
  return sampleAssignedTask({
    id,
    spec: sampleTaskSpec({ container: { stopGracePeriodMs: 0 } }),
    desiredState: desired,
    status: { state: 'assigned', timestamp: '', message: '', err: '', containerId: '' },
  });
}

/**
 * A controller whose start, once the fake container runs, waits for its health check like the
 * Docker controller: it reports progress, then resolves on `healthy()`, rejects on
 * `unhealthy()`, or rejects with the signal's reason when aborted.
 */
class HealthGate {
  private settle: ((err?: Error) => void) | undefined;
  aborted = false;

  wrap(c: TaskController): TaskController {
    return {
      inspect: () => c.inspect(),
      prepare: () => c.prepare(),
      wait: (s) => c.wait(s),
      shutdown: () => c.shutdown(),
      terminate: () => c.terminate(),
      remove: () => c.remove(),
      start: async (signal, progress) => {
        await c.start();
        progress?.(HEALTH);
        await new Promise<void>((resolve, reject) => {
          this.settle = (err) => (err ? reject(err) : resolve());
          signal?.addEventListener('abort', () => {
            this.aborted = true;
            reject(signal.reason as Error);
          });
        });
      },
    };
  }

  get waiting(): boolean {
    return this.settle !== undefined;
  }
  healthy(): void {
    this.settle?.();
  }
  unhealthy(output: string): void {
    this.settle?.(new ExecutorError('start', `task: container unhealthy: ${output}`, false));
  }
}

const runners: TaskRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

function run(t: Task, wrap: (c: TaskController) => TaskController, slots = new Semaphore(8)) {
  const exec = new FakeExecutor({ nodeId: 'n1' });
  const statuses: TaskStatus[] = [];
  const runner = new TaskRunner(t, {
    ctlr: wrap(exec.controller(t)),
    report: (_id, s) => statuses.push(s),
    engineSlots: slots,
  });
  runners.push(runner);
  runner.start();
  return { runner, exec, statuses, states: () => statuses.map((s) => s.state) };
}

const until = (what: () => boolean): Promise<void> =>
  vi.waitFor(() => expect(what()).toBe(true), { timeout: 2_000, interval: 2 });

describe('TaskRunner: a start that waits for the health check', () => {
  it('stays STARTING with the health message until healthy, then reports RUNNING', async () => {
    const gate = new HealthGate();
    const r = run(task('h1'), (c) => gate.wrap(c));
    await until(() => gate.waiting);
    await until(() => r.statuses.at(-1)?.message === HEALTH);
    expect(r.statuses.at(-1)?.state).toBe('starting');
    expect(r.runner.current.message).toBe(HEALTH);
    gate.healthy();
    await until(() => r.states().at(-1) === 'running');
    expect(r.statuses.map((s) => `${s.state}:${s.message}`).slice(-3)).toEqual([
      'starting:starting',
      `starting:${HEALTH}`,
      'running:started',
    ]);
  });

  it('fails the task with the unhealthy message', async () => {
    const gate = new HealthGate();
    const r = run(task('h2'), (c) => gate.wrap(c));
    await until(() => gate.waiting);
    gate.unhealthy('no /ready');
    await until(() => r.states().at(-1) === 'failed');
    expect(r.statuses.at(-1)?.err).toBe('task: container unhealthy: no /ready');
  });

  it('shuts down promptly when told to while the health check is pending', async () => {
    const gate = new HealthGate();
    const r = run(task('h3'), (c) => gate.wrap(c));
    await until(() => gate.waiting);
    r.runner.update(task('h3', 'shutdown'));
    await until(() => r.states().at(-1) === 'shutdown');
    expect(gate.aborted).toBe(true);
    expect(r.states()).not.toContain('running');
    expect(r.exec.running()).toEqual([]);
  });

  it('gives the engine slot back while the health check is pending', async () => {
    const slots = new Semaphore(1);
    const slow = new HealthGate();
    const a = run(task('h4'), (c) => slow.wrap(c), slots);
    await until(() => slow.waiting);
    // One slot, still held by nothing: a second task gets created and started meanwhile.
    const b = run(task('h5'), (c) => c, slots);
    await until(() => b.states().at(-1) === 'running');
    expect(a.states().at(-1)).toBe('starting');
  });
});
