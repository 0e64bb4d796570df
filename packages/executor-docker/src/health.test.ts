import type { ContainerInspectInfo } from 'dockerode';
import { describe, expect, it } from 'vitest';
import { createOptions } from './container-config.js';
import {
  healthConfig,
  healthView,
  pollIntervalMs,
  unhealthyError,
  waitHealthy,
  watchUnhealthy,
} from './health.js';
import { makeTestTask } from './test-task.js';

const FAST = { min: 1, max: 1 };

interface Look {
  running?: boolean;
  exitCode?: number;
  test?: string[];
  status?: string;
  output?: string;
  intervalNs?: number;
}

/** Just the inspect fields the health logic reads. */
function info(l: Look): ContainerInspectInfo {
  const health =
    l.status === undefined
      ? undefined
      : {
          Status: l.status,
          FailingStreak: 0,
          Log:
            l.output === undefined ? [] : [{ Start: '', End: '', ExitCode: 1, Output: l.output }],
        };
  return {
    Id: 'c1',
    State: {
      Running: l.running ?? true,
      ExitCode: l.exitCode ?? 0,
      Error: '',
      OOMKilled: false,
      Health: health,
    },
    Config: {
      Healthcheck: l.test === undefined ? undefined : { Test: l.test, Interval: l.intervalNs ?? 0 },
    },
  } as unknown as ContainerInspectInfo;
}

/** An inspect that answers the given looks in turn (the last one repeats), counting calls. */
function sequence(looks: (Look | 'gone' | 'error')[]): {
  inspect: () => Promise<ContainerInspectInfo | undefined>;
  calls: () => number;
} {
  let n = 0;
  return {
    inspect: async () => {
      const l = looks[Math.min(n++, looks.length - 1)]!;
      if (l === 'error') throw new Error('engine down');
      return l === 'gone' ? undefined : info(l);
    },
    calls: () => n,
  };
}

const CHECK = ['CMD-SHELL', 'test -f /ready'];

describe('healthConfig', () => {
  it('converts milliseconds to nanoseconds and leaves zero fields to the image', () => {
    expect(
      healthConfig({
        test: CHECK,
        intervalMs: 500,
        timeoutMs: 0,
        retries: 2,
        startPeriodMs: 1500,
      }),
    ).toEqual({ Test: CHECK, Interval: 500_000_000, Retries: 2, StartPeriod: 1_500_000_000 });
    // Only durations: the image's command runs with them.
    expect(
      healthConfig({ test: [], intervalMs: 0, timeoutMs: 250, retries: 0, startPeriodMs: 0 }),
    ).toEqual({ Timeout: 250_000_000 });
  });

  it("passes NONE through (disables the image's check) and omits an all-default check", () => {
    const none = { test: ['NONE'], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0 };
    expect(healthConfig(none)).toEqual({ Test: ['NONE'] });
    expect(healthConfig({ ...none, test: [] })).toBeUndefined();
    expect(healthConfig(undefined)).toBeUndefined();
  });

  it('is part of the create request only when the spec has one', () => {
    const plain = makeTestTask({ id: 'h1', nodeId: 'n1' });
    expect(createOptions(plain, 'n1')).not.toHaveProperty('Healthcheck');
    const checked = makeTestTask({
      id: 'h2',
      nodeId: 'n1',
      container: {
        healthcheck: { test: CHECK, intervalMs: 200, timeoutMs: 0, retries: 0, startPeriodMs: 0 },
      },
    });
    expect(createOptions(checked, 'n1').Healthcheck).toEqual({ Test: CHECK, Interval: 2e8 });
  });
});

describe('healthView', () => {
  it('reads no check, starting, healthy, unhealthy and exited', () => {
    expect(healthView(info({}))).toEqual({ kind: 'none' });
    expect(healthView(info({ test: ['NONE'], status: 'starting' }))).toEqual({ kind: 'none' });
    expect(healthView(info({ test: CHECK, status: 'starting' }))).toEqual({ kind: 'starting' });
    expect(healthView(info({ test: CHECK, status: 'healthy' }))).toEqual({ kind: 'healthy' });
    expect(healthView(info({ test: CHECK, status: 'unhealthy', output: 'no\n' }))).toEqual({
      kind: 'unhealthy',
      error: 'task: container unhealthy: no',
    });
    expect(healthView(info({ test: CHECK, running: false, exitCode: 3 }))).toMatchObject({
      kind: 'exited',
      exitCode: 3,
    });
  });

  it("quotes the last probe's output on one line, or says only unhealthy", () => {
    const log = (outputs: string[]): Parameters<typeof unhealthyError>[0] => ({
      Status: 'unhealthy',
      FailingStreak: outputs.length,
      Log: outputs.map((Output) => ({ Start: '', End: '', ExitCode: 1, Output })),
    });
    expect(unhealthyError(log(['first', 'db down\n  retry later\n']))).toBe(
      'task: container unhealthy: db down retry later',
    );
    expect(unhealthyError(log([]))).toBe('task: container unhealthy');
    expect(unhealthyError(undefined)).toBe('task: container unhealthy');
  });

  it('polls at half the probe interval within bounds (30 s when the engine default applies)', () => {
    const bounds = { min: 100, max: 1000 };
    expect(pollIntervalMs(info({ test: CHECK, intervalNs: 400e6 }), bounds)).toBe(200);
    expect(pollIntervalMs(info({ test: CHECK, intervalNs: 50e6 }), bounds)).toBe(100);
    expect(pollIntervalMs(info({ test: CHECK }), bounds)).toBe(1000);
  });
});

describe('waitHealthy', () => {
  it('returns at once without a health check, and never calls onStarting', async () => {
    const s = sequence([{}]);
    let started = 0;
    const view = await waitHealthy(s.inspect, new AbortController().signal, () => started++);
    expect(view).toEqual({ kind: 'none' });
    expect([s.calls(), started]).toEqual([1, 0]);
  });

  it('waits through starting until healthy, telling once that it is starting', async () => {
    const s = sequence([
      { test: CHECK, status: 'starting' },
      { test: CHECK, status: 'starting' },
      { test: CHECK, status: 'healthy' },
    ]);
    let started = 0;
    const view = await waitHealthy(s.inspect, new AbortController().signal, () => started++, FAST);
    expect(view).toEqual({ kind: 'healthy' });
    expect([s.calls(), started]).toEqual([3, 1]);
  });

  it('stops at unhealthy or exited, and throws when the container is gone', async () => {
    const signal = new AbortController().signal;
    const bad = sequence([
      { test: CHECK, status: 'starting' },
      { test: CHECK, status: 'unhealthy' },
    ]);
    expect((await waitHealthy(bad.inspect, signal, undefined, FAST)).kind).toBe('unhealthy');
    const died = sequence([
      { test: CHECK, status: 'starting' },
      { running: false, exitCode: 1 },
    ]);
    expect(await waitHealthy(died.inspect, signal, undefined, FAST)).toMatchObject({
      kind: 'exited',
      exitCode: 1,
    });
    const gone = sequence([{ test: CHECK, status: 'starting' }, 'gone']);
    await expect(waitHealthy(gone.inspect, signal, undefined, FAST)).rejects.toThrow(/gone/);
  });

  it("rejects with the signal's reason when aborted while starting", async () => {
    const s = sequence([{ test: CHECK, status: 'starting' }]);
    const ac = new AbortController();
    const waiting = waitHealthy(s.inspect, ac.signal, () => ac.abort(new Error('shutdown')), {
      min: 60_000,
      max: 60_000,
    });
    await expect(waiting).rejects.toThrow('shutdown');
    expect(s.calls()).toBe(1);
  });
});

describe('watchUnhealthy', () => {
  it('resolves with the error once a healthy container turns unhealthy, retrying engine errors', async () => {
    const s = sequence([
      { test: CHECK, status: 'healthy' },
      'error',
      { test: CHECK, status: 'healthy' },
      { test: CHECK, status: 'unhealthy', output: 'missing /ready' },
    ]);
    const error = await watchUnhealthy(s.inspect, new AbortController().signal, FAST);
    expect(error).toBe('task: container unhealthy: missing /ready');
    expect(s.calls()).toBe(4);
  });

  it('ends quietly without a check, once exited or gone, and when aborted', async () => {
    const signal = new AbortController().signal;
    expect(await watchUnhealthy(sequence([{}]).inspect, signal, FAST)).toBeUndefined();
    const exited = sequence([{ test: CHECK, status: 'healthy' }, { running: false }]);
    expect(await watchUnhealthy(exited.inspect, signal, FAST)).toBeUndefined();
    expect(exited.calls()).toBe(2);
    expect(await watchUnhealthy(sequence(['gone']).inspect, signal, FAST)).toBeUndefined();
    const ac = new AbortController();
    const healthy = sequence([{ test: CHECK, status: 'healthy' }]);
    const watching = watchUnhealthy(healthy.inspect, ac.signal, { min: 60_000, max: 60_000 });
    ac.abort();
    expect(await watching).toBeUndefined();
  });
});
