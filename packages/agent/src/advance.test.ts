import { describe, expect, it } from 'vitest';
import type { Task, TaskState, TaskStatus } from '@swarmlet/api-types';
import { sampleAssignedTask, sampleTaskSpec } from '@swarmlet/api-types/testing';
import { advance, type StepResult } from './advance.js';
import {
  ExecutorError,
  type ContainerState,
  type ExitStatus,
  type TaskController,
} from './executor.js';
import { FakeExecutor } from './fake-executor.js';

type Method = 'prepare' | 'start' | 'wait' | 'shutdown';

/** A controller that records calls and throws queued errors, one per call. */
class ScriptedController implements TaskController {
  readonly calls: string[] = [];
  readonly errors: Partial<Record<Method, unknown[]>> = {};
  exit: ExitStatus = { exitCode: 0, error: '' };

  private fail(m: Method): void {
    this.calls.push(m);
    const err = this.errors[m]?.shift();
    if (err !== undefined) throw err;
  }
  async inspect(): Promise<ContainerState | undefined> {
    this.calls.push('inspect');
    return undefined;
  }
  async prepare(): Promise<void> {
    this.fail('prepare');
  }
  async start(): Promise<void> {
    this.fail('start');
  }
  async wait(signal: AbortSignal): Promise<ExitStatus> {
    this.fail('wait');
    if (signal.aborted) throw signal.reason;
    return this.exit;
  }
  async shutdown(): Promise<void> {
    this.fail('shutdown');
  }
  async terminate(): Promise<void> {
    this.calls.push('terminate');
  }
  async remove(): Promise<void> {
    this.calls.push('remove');
  }
}

function task(desired: TaskState = 'running', image = 'busybox'): Task {
  return sampleAssignedTask({
    spec: sampleTaskSpec({ container: { image, stopGracePeriodMs: 0 } }),
    desiredState: desired,
    status: status('assigned'),
  });
}

function status(state: TaskState): TaskStatus {
  return {
    state,
    timestamp: new Date(0).toISOString(),
    message: 'before',
    err: '',
    containerId: 'c1',
  };
}

const live = (): AbortSignal => new AbortController().signal;

async function step(
  state: TaskState,
  desired: TaskState = 'running',
  ctlr = new ScriptedController(),
): Promise<{ r: StepResult; calls: string[] }> {
  const r = await advance(task(desired), status(state), ctlr, live());
  return { r, calls: ctlr.calls };
}

const stateOf = (r: StepResult): TaskState | StepResult['kind'] =>
  r.kind === 'status' ? r.status.state : r.kind;

describe('advance: the happy path', () => {
  it.each([
    ['new', 'accepted', []],
    ['pending', 'accepted', []],
    ['assigned', 'accepted', []],
    ['accepted', 'preparing', []],
    ['preparing', 'ready', ['prepare']],
    ['ready', 'starting', []],
    ['starting', 'running', ['start']],
  ] as const)('%s -> %s', async (from, to, calls) => {
    const got = await step(from);
    expect(stateOf(got.r)).toBe(to);
    expect(got.calls).toEqual(calls);
  });

  it('keeps the other status fields and stamps a new message and time', async () => {
    const { r } = await step('preparing');
    expect(r).toMatchObject({
      kind: 'status',
      status: { state: 'ready', message: 'prepared', containerId: 'c1', err: '' },
    });
    expect(r.kind === 'status' && r.status.timestamp).not.toBe(new Date(0).toISOString());
  });

  it('running -> complete on exit 0', async () => {
    const { r, calls } = await step('running');
    expect(r).toMatchObject({
      kind: 'status',
      status: { state: 'complete', message: 'finished', err: '', exitCode: 0 },
    });
    expect(calls).toEqual(['wait']);
  });

  it('running -> failed on a non-zero exit', async () => {
    const ctlr = new ScriptedController();
    ctlr.exit = { exitCode: 137, error: '' };
    const { r } = await step('running', 'running', ctlr);
    expect(r).toMatchObject({
      kind: 'status',
      status: { state: 'failed', err: 'task: non-zero exit (137)', exitCode: 137 },
    });
  });

  it('running -> failed with the runtime error text even on exit 0', async () => {
    const ctlr = new ScriptedController();
    ctlr.exit = { exitCode: 0, error: 'OOM killed' };
    const { r } = await step('running', 'running', ctlr);
    expect(r).toMatchObject({
      kind: 'status',
      status: { state: 'failed', err: 'OOM killed', exitCode: 0 },
    });
  });

  it.each(['complete', 'failed', 'rejected', 'shutdown', 'orphaned'] as const)(
    'does nothing once %s, whatever is desired',
    async (state) => {
      for (const desired of ['running', 'shutdown', 'remove'] as const) {
        const got = await step(state, desired);
        expect(got.r).toEqual({ kind: 'noop' });
        expect(got.calls).toEqual([]);
      }
    },
  );
});

describe('advance: desired ready holds before starting', () => {
  it.each([
    ['assigned', 'accepted'],
    ['accepted', 'preparing'],
    ['preparing', 'ready'],
  ] as const)('prepares as usual: %s -> %s', async (from, to) => {
    expect(stateOf((await step(from, 'ready')).r)).toBe(to);
  });

  it('waits at ready without touching the container', async () => {
    const got = await step('ready', 'ready');
    expect(got.r).toEqual({ kind: 'noop' });
    expect(got.calls).toEqual([]);
  });
});

describe('advance: shutdown', () => {
  it.each(['new', 'pending', 'assigned', 'accepted'] as const)(
    'goes straight from %s to shutdown without a container',
    async (from) => {
      for (const desired of ['shutdown', 'remove'] as const) {
        const got = await step(from, desired);
        expect(got.r).toMatchObject({
          kind: 'status',
          status: { state: 'shutdown', message: 'shutdown' },
        });
        expect(got.calls).toEqual([]);
      }
    },
  );

  it.each(['preparing', 'ready', 'starting', 'running'] as const)(
    'stops the container from %s',
    async (from) => {
      for (const desired of ['shutdown', 'remove'] as const) {
        const got = await step(from, desired);
        expect(stateOf(got.r)).toBe('shutdown');
        expect(got.calls).toEqual(['shutdown']);
      }
    },
  );

  it('retries a temporary failure to stop', async () => {
    const ctlr = new ScriptedController();
    ctlr.errors.shutdown = [new ExecutorError('runtime', 'engine busy', true)];
    expect((await step('running', 'shutdown', ctlr)).r).toEqual({
      kind: 'retry',
      error: 'engine busy',
    });
    expect(stateOf((await step('running', 'shutdown', ctlr)).r)).toBe('shutdown');
  });

  it('reports shutdown after a permanent failure to stop (the container is gone)', async () => {
    const ctlr = new ScriptedController();
    ctlr.errors.shutdown = [new ExecutorError('runtime', 'no such container', false)];
    expect(stateOf((await step('running', 'shutdown', ctlr)).r)).toBe('shutdown');
  });
});

describe('advance: errors', () => {
  const permanent = new ExecutorError('image', 'pull access denied', false);
  const temporary = new ExecutorError('image', 'registry timeout', true);

  it('rejects the task on a permanent error before starting', async () => {
    const ctlr = new ScriptedController();
    ctlr.errors.prepare = [permanent];
    expect((await step('preparing', 'running', ctlr)).r).toMatchObject({
      kind: 'status',
      status: { state: 'rejected', message: 'rejected', err: 'pull access denied' },
    });
  });

  it('fails the task on a permanent error from starting on', async () => {
    const ctlr = new ScriptedController();
    ctlr.errors.start = [new ExecutorError('start', 'exec format error', false)];
    expect((await step('starting', 'running', ctlr)).r).toMatchObject({
      kind: 'status',
      status: { state: 'failed', message: 'failed', err: 'exec format error' },
    });
    ctlr.errors.wait = [new ExecutorError('runtime', 'no such container', false)];
    expect((await step('running', 'running', ctlr)).r).toMatchObject({
      kind: 'status',
      status: { state: 'failed', err: 'no such container' },
    });
  });

  it('treats an error that is not an ExecutorError as permanent', async () => {
    const ctlr = new ScriptedController();
    ctlr.errors.prepare = [new Error('boom')];
    expect((await step('preparing', 'running', ctlr)).r).toMatchObject({
      kind: 'status',
      status: { state: 'rejected', err: 'boom' },
    });
    ctlr.errors.start = ['plain string'];
    expect((await step('starting', 'running', ctlr)).r).toMatchObject({
      kind: 'status',
      status: { state: 'failed', err: 'plain string' },
    });
  });

  it.each([
    ['preparing', 'prepare'],
    ['starting', 'start'],
    ['running', 'wait'],
  ] as const)('retries a temporary error in %s without changing state', async (from, method) => {
    const ctlr = new ScriptedController();
    ctlr.errors[method] = [temporary];
    expect((await step(from, 'running', ctlr)).r).toEqual({
      kind: 'retry',
      error: 'registry timeout',
    });
  });

  it('returns noop when the wait is aborted (the desired state changed)', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('desired state changed'));
    const r = await advance(task(), status('running'), new ScriptedController(), ctl.signal);
    expect(r).toEqual({ kind: 'noop' });
  });
});

describe('advance: a start that waits for the health check', () => {
  /** A start that reports progress, then waits until aborted or fails as told. */
  class HealthStart extends ScriptedController {
    seen: AbortSignal | undefined;
    override async start(signal?: AbortSignal, progress?: (m: string) => void): Promise<void> {
      this.seen = signal;
      progress?.('starting (health: starting)');
      if (this.errors.start?.length) throw this.errors.start.shift();
      await new Promise((_, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason as Error)),
      );
    }
  }

  it('passes its signal and progress to start; an abort means noop, not a failure', async () => {
    const ctlr = new HealthStart();
    const ac = new AbortController();
    const messages: string[] = [];
    const pending = advance(task(), status('starting'), ctlr, ac.signal, (m) => messages.push(m));
    expect(ctlr.seen).toBe(ac.signal);
    expect(messages).toEqual(['starting (health: starting)']);
    ac.abort(new Error('desired state changed'));
    expect(await pending).toEqual({ kind: 'noop' });
  });

  it('fails the task with the unhealthy error of start', async () => {
    const ctlr = new HealthStart();
    ctlr.errors.start = [new ExecutorError('start', 'task: container unhealthy: down', false)];
    expect(await advance(task(), status('starting'), ctlr, live())).toMatchObject({
      kind: 'status',
      status: { state: 'failed', err: 'task: container unhealthy: down' },
    });
  });
});

describe('advance with the FakeExecutor', () => {
  async function drive(exec: FakeExecutor, t: Task): Promise<TaskState[]> {
    const seen: TaskState[] = [];
    let s = t.status;
    for (let i = 0; i < 20; i++) {
      const ctl = new AbortController();
      const pending = advance(t, s, exec.controller(t), ctl.signal);
      if (s.state === 'running') {
        exec.exit(t.id, 0);
      }
      const r = await pending;
      if (r.kind !== 'status') break;
      s = r.status;
      seen.push(s.state);
    }
    return seen;
  }

  it('walks a task through every state to complete', async () => {
    const exec = new FakeExecutor({ nodeId: 'n1' });
    expect(await drive(exec, task())).toEqual([
      'accepted',
      'preparing',
      'ready',
      'starting',
      'running',
      'complete',
    ]);
    expect(exec.byTask('task1')?.running).toBe(false);
  });

  it('rejects a task whose image cannot be pulled', async () => {
    const exec = new FakeExecutor({
      nodeId: 'n1',
      missingImages: new Map([['nope', 'manifest unknown']]),
    });
    const seen = await drive(exec, task('running', 'nope'));
    expect(seen).toEqual(['accepted', 'preparing', 'rejected']);
    expect(exec.containers.size).toBe(0);
  });

  it('stops a running container on shutdown', async () => {
    const exec = new FakeExecutor({ nodeId: 'n1' });
    const t = task();
    const ctlr = exec.controller(t);
    await ctlr.prepare();
    await ctlr.start();
    const r = await advance(task('shutdown'), status('running'), ctlr, live());
    expect(stateOf(r)).toBe('shutdown');
    expect(exec.running()).toEqual([]);
  });
});
