import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { isExecutorError } from '@swarmlet/agent';
import { DockerTaskController, UNHEALTHY_EXIT } from './docker-controller.js';
import type { TaskNetworking } from './networking.js';
import { makeTestTask } from './test-task.js';

type Health = 'starting' | 'healthy' | 'unhealthy' | undefined;

/**
 * Just enough of an engine for one container with a health check: the test moves its health;
 * `stop` ends it (exit 143) and releases a pending `wait`.
 */
class FakeEngine {
  health: Health = 'starting';
  running = false;
  exitCode = 0;
  calls: string[] = [];
  check: string[] | undefined = ['CMD-SHELL', 'test -f /ready'];
  private exited: ((code: number) => void)[] = [];

  docker(): Docker {
    const container = {
      start: async () => {
        this.calls.push('start');
        this.running = true;
      },
      stop: async () => {
        this.calls.push('stop');
        this.exit(143);
      },
      inspect: async () => ({
        Id: 'c1',
        State: {
          Running: this.running,
          Pid: 0,
          ExitCode: this.exitCode,
          Error: '',
          OOMKilled: false,
          Health: this.health && {
            Status: this.health,
            FailingStreak: 0,
            Log: [{ Start: '', End: '', ExitCode: 1, Output: 'not ready\n' }],
          },
        },
        Config: { Labels: {}, Healthcheck: this.check && { Test: this.check, Interval: 2e6 } },
      }),
      wait: () =>
        new Promise((resolve) => this.exited.push((code) => resolve({ StatusCode: code }))),
    };
    return { getContainer: () => container } as unknown as Docker;
  }

  exit(code: number): void {
    this.running = false;
    this.exitCode = code;
    for (const w of this.exited.splice(0)) w(code);
  }
}

/** A data plane that would hold every stop for `drainMs` (a task serving traffic). */
function networking(drainMs: number): TaskNetworking {
  return {
    endpoints: async () => undefined,
    attach: async () => undefined,
    detach: () => undefined,
    drainMs: () => drainMs,
  };
}

function controller(engine: FakeEngine, drainMs = 0): DockerTaskController {
  const task = makeTestTask({ id: 'h1', nodeId: 'n1', container: { stopGracePeriodMs: 0 } });
  const docker = engine.docker();
  return new DockerTaskController(async () => docker, task, 'n1', networking(drainMs));
}

const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('DockerTaskController: start waits for the health check', () => {
  it('resolves only once healthy, telling progress once meanwhile', async () => {
    const engine = new FakeEngine();
    const messages: string[] = [];
    let done = false;
    const starting = controller(engine)
      .start(new AbortController().signal, (m) => messages.push(m))
      .then(() => (done = true));
    await tick(300);
    expect(done).toBe(false);
    expect(messages).toEqual(['starting (health: starting)']);
    engine.health = 'healthy';
    await starting;
    expect(engine.calls).toEqual(['start']);
  });

  it('resolves at once without a check (or with NONE)', async () => {
    const engine = new FakeEngine();
    engine.check = ['NONE'];
    const messages: string[] = [];
    await controller(engine).start(undefined, (m) => messages.push(m));
    expect(messages).toEqual([]);
  });

  it('stops an unhealthy container and rejects permanently with the probe output', async () => {
    const engine = new FakeEngine();
    const starting = controller(engine).start(new AbortController().signal);
    await tick();
    engine.health = 'unhealthy';
    const err: unknown = await starting.catch((e: unknown) => e);
    expect(isExecutorError(err) && [err.kind, err.temporary, err.message]).toEqual([
      'start',
      false,
      'task: container unhealthy: not ready',
    ]);
    expect(engine.calls).toEqual(['start', 'stop']);
  });

  it('rejects with a non-zero exit while starting, and with the reason when aborted', async () => {
    const engine = new FakeEngine();
    const dying = controller(engine).start();
    await tick();
    engine.exit(3);
    await expect(dying).rejects.toThrow('task: non-zero exit (3)');

    const ac = new AbortController();
    const aborted = controller(new FakeEngine()).start(ac.signal);
    await tick();
    ac.abort(new Error('desired state changed'));
    await expect(aborted).rejects.toThrow('desired state changed');
  });
});

describe('DockerTaskController: shutdown of a task still waiting for health', () => {
  it('skips the drain (no traffic ever went to it); a healthy task still drains', async () => {
    const engine = new FakeEngine();
    const ac = new AbortController();
    const ctlr = controller(engine, 1_000);
    const starting = ctlr.start(ac.signal).catch(() => undefined);
    await tick();
    ac.abort(new Error('shutdown'));
    await starting;
    let t0 = Date.now();
    await ctlr.shutdown();
    expect(Date.now() - t0).toBeLessThan(500);

    const healthy = new FakeEngine();
    healthy.health = 'healthy';
    const served = controller(healthy, 300);
    await served.start();
    t0 = Date.now();
    await served.shutdown();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });
});

describe('DockerTaskController: wait watches the health check', () => {
  it('stops a container that turns unhealthy and reports the health error', async () => {
    const engine = new FakeEngine();
    engine.health = 'healthy';
    const ctlr = controller(engine);
    await ctlr.start();
    const waiting = ctlr.wait(new AbortController().signal);
    await tick(300);
    expect(engine.calls).toEqual(['start']);
    engine.health = 'unhealthy';
    // Reported before the container is stopped: the task leaves the traffic map first.
    expect(await waiting).toEqual({
      exitCode: UNHEALTHY_EXIT,
      error: 'task: container unhealthy: not ready',
    });
    await tick();
    expect(engine.calls).toEqual(['start', 'stop']);
  });

  it('stops an unhealthy serving container only after this node stopped sending it traffic', async () => {
    const engine = new FakeEngine();
    engine.health = 'healthy';
    let unserved = (): void => undefined;
    const net: TaskNetworking = {
      ...networking(50),
      whenUnserved: () => new Promise<void>((r) => (unserved = r)),
    };
    const task = makeTestTask({ id: 'h2', nodeId: 'n1', container: { stopGracePeriodMs: 0 } });
    const docker = engine.docker();
    const ctlr = new DockerTaskController(async () => docker, task, 'n1', net);
    await ctlr.start();
    const waiting = ctlr.wait(new AbortController().signal);
    await tick();
    engine.health = 'unhealthy';
    expect((await waiting).error).toBe('task: container unhealthy: not ready');
    await tick(200);
    expect(engine.calls).toEqual(['start']);
    unserved();
    await tick(150);
    expect(engine.calls).toEqual(['start', 'stop']);
  });

  it('reports a plain exit as before, and stops watching once it is over', async () => {
    const engine = new FakeEngine();
    engine.health = 'healthy';
    const ctlr = controller(engine);
    await ctlr.start();
    const waiting = ctlr.wait(new AbortController().signal);
    await tick();
    engine.exit(0);
    expect(await waiting).toEqual({ exitCode: 0, error: '' });
    engine.running = true;
    engine.health = 'unhealthy';
    await tick(600);
    expect(engine.calls).toEqual(['start']);
  });
});
