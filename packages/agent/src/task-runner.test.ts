import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Task, TaskState, TaskStatus } from '@swarmlet/api-types';
import { sampleAssignedTask, sampleTaskSpec } from '@swarmlet/api-types/testing';
import { ExecutorError, type TaskController } from './executor.js';
import { FakeExecutor } from './fake-executor.js';
import { Semaphore } from './semaphore.js';
import { TaskRunner } from './task-runner.js';

function task(desired: TaskState = 'running', state: TaskState = 'assigned'): Task {
  return sampleAssignedTask({
    spec: sampleTaskSpec({ container: { stopGracePeriodMs: 0 } }),
    desiredState: desired,
    status: { state, timestamp: '', message: '', err: '', containerId: '' },
  });
}

interface Harness {
  runner: TaskRunner;
  exec: FakeExecutor;
  reported: TaskState[];
  errors: string[];
  last: () => TaskStatus | undefined;
}

const runners: TaskRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

function harness(
  t: Task,
  wrap: (c: TaskController) => TaskController = (c) => c,
  slots = new Semaphore(8),
): Harness {
  const exec = new FakeExecutor({ nodeId: 'n1' });
  const statuses: TaskStatus[] = [];
  const errors: string[] = [];
  const runner = new TaskRunner(t, {
    ctlr: wrap(exec.controller(t)),
    report: (id, s) => {
      expect(id).toBe(t.id);
      statuses.push(s);
    },
    engineSlots: slots,
    onError: (_id, e) => errors.push(e),
  });
  runners.push(runner);
  return {
    runner,
    exec,
    get reported() {
      return statuses.map((s) => s.state);
    },
    errors,
    last: () => statuses.at(-1),
  };
}

const until = (what: () => boolean): Promise<void> =>
  vi.waitFor(() => expect(what()).toBe(true), { timeout: 2_000, interval: 2 });

/** Fails the first `n` calls of one method with a temporary error, then delegates. */
function flaky(method: 'prepare' | 'start', n: number): (c: TaskController) => TaskController {
  return (c) => {
    let left = n;
    const wrapped: TaskController = {
      inspect: () => c.inspect(),
      prepare: () => c.prepare(),
      start: () => c.start(),
      wait: (s) => c.wait(s),
      shutdown: () => c.shutdown(),
      terminate: () => c.terminate(),
      remove: () => c.remove(),
    };
    wrapped[method] = async () => {
      if (left-- > 0) throw new ExecutorError('start', 'engine busy', true);
      return c[method]();
    };
    return wrapped;
  };
}

describe('TaskRunner', () => {
  it('drives an assigned task to running and reports every state in order', async () => {
    const h = harness(task());
    h.runner.start();
    await until(() => h.reported.at(-1) === 'running');
    expect(h.reported).toEqual(['accepted', 'preparing', 'ready', 'starting', 'running']);
    expect(h.runner.current.state).toBe('running');
    expect(h.exec.running()).toHaveLength(1);
  });

  it('reports the exit and stops on its own', async () => {
    const h = harness(task());
    h.runner.start();
    await until(() => h.reported.at(-1) === 'running');
    h.exec.exit('task1', 3);
    await until(() => h.reported.at(-1) === 'failed');
    expect(h.last()).toMatchObject({ state: 'failed', exitCode: 3 });
    await h.runner.stop();
    expect(h.reported).toHaveLength(6);
  });

  it('holds at ready while desired ready, and starts when released', async () => {
    const h = harness(task('ready'));
    h.runner.start();
    await until(() => h.reported.at(-1) === 'ready');
    expect(h.exec.running()).toEqual([]);
    h.runner.update(task('running'));
    await until(() => h.reported.at(-1) === 'running');
    expect(h.reported).toEqual(['accepted', 'preparing', 'ready', 'starting', 'running']);
  });

  it('shuts a running task down when the desired state changes, without waiting for the exit', async () => {
    const h = harness(task());
    h.runner.start();
    await until(() => h.reported.at(-1) === 'running');
    h.runner.update(task('shutdown'));
    await until(() => h.reported.at(-1) === 'shutdown');
    expect(h.exec.running()).toEqual([]);
    await h.runner.stop();
  });

  it('shuts down a task held at ready', async () => {
    const h = harness(task('ready'));
    h.runner.start();
    await until(() => h.reported.at(-1) === 'ready');
    h.runner.update(task('remove'));
    await until(() => h.reported.at(-1) === 'shutdown');
  });

  it('retries a temporary error with backoff and reports it', async () => {
    const h = harness(task(), flaky('prepare', 1));
    h.runner.start();
    await until(() => h.reported.at(-1) === 'running');
    expect(h.errors).toEqual(['engine busy']);
    expect(h.reported).toEqual(['accepted', 'preparing', 'ready', 'starting', 'running']);
  });

  it('still hears a desired-state change after a retry sleep has ended', async () => {
    const h = harness(task(), flaky('start', 1));
    h.runner.start();
    await until(() => h.reported.at(-1) === 'running');
    expect(h.errors).toEqual(['engine busy']);
    h.runner.update(task('shutdown'));
    await until(() => h.reported.at(-1) === 'shutdown');
  });

  it('wakes from a retry sleep when the desired state changes', async () => {
    const h = harness(task(), flaky('prepare', 1_000));
    h.runner.start();
    await until(() => h.errors.length >= 1);
    h.runner.update(task('shutdown'));
    await until(() => h.reported.at(-1) === 'shutdown');
    expect(h.errors.length).toBeLessThan(4);
  });

  it('stop() ends the loop while it waits', async () => {
    const h = harness(task('ready'));
    h.runner.start();
    await until(() => h.reported.at(-1) === 'ready');
    await h.runner.stop();
    h.runner.update(task('running'));
    await new Promise((r) => setTimeout(r, 10));
    expect(h.reported.at(-1)).toBe('ready');
    expect(h.exec.running()).toEqual([]);
  });

  it('stop() before start resolves at once', async () => {
    const h = harness(task());
    await h.runner.stop();
    expect(h.reported).toEqual([]);
  });

  it('takes the manager’s status only when it is further along', () => {
    const h = harness(task('running', 'assigned'));
    h.runner.update(task('running', 'running'));
    expect(h.runner.current.state).toBe('running');
    h.runner.update(task('running', 'accepted'));
    expect(h.runner.current.state).toBe('running');
  });

  it('bounds concurrent prepare/start calls with the engine semaphore', async () => {
    let active = 0;
    let peak = 0;
    const slow = (c: TaskController): TaskController =>
      ({
        ...Object.fromEntries(
          (['inspect', 'start', 'wait', 'shutdown', 'terminate', 'remove'] as const).map((m) => [
            m,
            (...a: never[]) => (c[m] as (...a: never[]) => unknown)(...a),
          ]),
        ),
        prepare: async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
          return c.prepare();
        },
      }) as TaskController;
    const slots = new Semaphore(1);
    const hs = [
      harness(task(), slow, slots),
      harness({ ...task(), id: 'task2' }, slow, slots),
      harness({ ...task(), id: 'task3' }, slow, slots),
    ];
    for (const h of hs) h.runner.start();
    await until(() => hs.every((h) => h.reported.includes('ready')));
    expect(peak).toBe(1);
  });
});
