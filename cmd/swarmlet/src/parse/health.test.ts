import type { Healthcheck, ServiceSpec } from '@swarmlet/api-types';
import { sampleServiceSpec } from '@swarmlet/api-types/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatServicePretty } from '../format/services.js';
import { formatTaskTable } from '../format/tasks.js';
import { serviceView, task, T0 } from '../testing/fixtures.js';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';
import {
  applyHealthChange,
  healthcheckLines,
  healthcheckOf,
  parseHealthFlags,
  parseHealthUpdate,
} from './health.js';
import { buildServiceSpec } from './service-flags.js';

const NONE: Healthcheck = { test: [], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0 };

function withCheck(h?: Partial<Healthcheck>): ServiceSpec {
  const spec = sampleServiceSpec('web', 1);
  if (h) spec.task.container.healthcheck = { ...NONE, ...h };
  return spec;
}

describe('service create health flags', () => {
  it('runs --health-cmd with the shell and parses docker durations', () => {
    expect(
      healthcheckOf({
        healthCmd: 'test -f /ready',
        healthInterval: '250ms',
        healthTimeout: '1s',
        healthRetries: '4',
        healthStartPeriod: '1m30s',
      }),
    ).toEqual({
      test: ['CMD-SHELL', 'test -f /ready'],
      intervalMs: 250,
      timeoutMs: 1000,
      retries: 4,
      startPeriodMs: 90_000,
    });
  });

  it("keeps the image's command when only options are given, and sets nothing without flags", () => {
    expect(healthcheckOf({ healthRetries: '2' })).toEqual({ test: [], retries: 2 });
    expect(healthcheckOf({})).toBeUndefined();
    // commander sets `healthcheck: true` unless --no-healthcheck is given.
    expect(healthcheckOf({ healthcheck: true, healthCmd: '' })).toBeUndefined();
  });

  it('--no-healthcheck disables, and conflicts with any --health-* option', () => {
    expect(healthcheckOf({ healthcheck: false })).toEqual({ test: ['NONE'] });
    expect(() => healthcheckOf({ healthcheck: false, healthCmd: 'true' })).toThrow(
      '--no-healthcheck conflicts with --health-* options',
    );
    expect(() => healthcheckOf({ healthcheck: false, healthStartPeriod: '1s' })).toThrow(
      /conflicts/,
    );
  });

  it('names the flag of a bad value', () => {
    expect(() => parseHealthFlags({ healthInterval: '5x' })).toThrow(
      'invalid argument "5x" for "--health-interval": time: unknown unit "x" in duration "5x"',
    );
    expect(() => parseHealthFlags({ healthTimeout: '-1s' })).toThrow(/--health-timeout/);
    expect(() => parseHealthFlags({ healthRetries: '-1' })).toThrow(/--health-retries/);
  });

  it('puts the check in the container spec', () => {
    const spec = buildServiceSpec('busybox', [], { healthCmd: 'true', healthInterval: '1s' }, 'w');
    expect(spec.task.container.healthcheck).toEqual({
      test: ['CMD-SHELL', 'true'],
      intervalMs: 1000,
    });
    expect(buildServiceSpec('busybox', [], {}, 'w').task.container).not.toHaveProperty(
      'healthcheck',
    );
  });
});

describe('service update health flags (docker updateHealthcheck)', () => {
  const apply = (spec: ServiceSpec, f: Parameters<typeof parseHealthUpdate>[0]): ServiceSpec =>
    applyHealthChange(spec, parseHealthUpdate(f));

  it('leaves the spec alone without health flags', () => {
    const spec = withCheck({ test: ['CMD', 'x'] });
    expect(apply(spec, { healthcheck: true })).toBe(spec);
  });

  it('replaces only the given fields and keeps the rest', () => {
    const spec = withCheck({ test: ['CMD-SHELL', 'old'], intervalMs: 500, retries: 3 });
    expect(apply(spec, { healthTimeout: '2s' }).task.container.healthcheck).toEqual({
      test: ['CMD-SHELL', 'old'],
      intervalMs: 500,
      timeoutMs: 2000,
      retries: 3,
      startPeriodMs: 0,
    });
    expect(apply(spec, { healthCmd: 'new' }).task.container.healthcheck?.test).toEqual([
      'CMD-SHELL',
      'new',
    ]);
    // An empty command goes back to the image's.
    expect(apply(spec, { healthCmd: '' }).task.container.healthcheck?.test).toEqual([]);
    expect(spec.task.container.healthcheck?.test).toEqual(['CMD-SHELL', 'old']);
  });

  it('--no-healthcheck replaces the whole check; an option re-enables it', () => {
    const disabled = apply(withCheck({ test: ['CMD', 'x'], retries: 3 }), { healthcheck: false });
    expect(disabled.task.container.healthcheck).toEqual({ ...NONE, test: ['NONE'] });
    expect(apply(disabled, { healthInterval: '1s' }).task.container.healthcheck).toEqual({
      ...NONE,
      intervalMs: 1000,
    });
    expect(apply(withCheck(), { healthRetries: '1' }).task.container.healthcheck).toEqual({
      ...NONE,
      retries: 1,
    });
  });

  it('refuses --no-healthcheck with --health-* before anything is sent', () => {
    expect(() => parseHealthUpdate({ healthcheck: false, healthCmd: '' })).toThrow(/conflicts/);
  });
});

describe('health check display', () => {
  it('service inspect --pretty shows the check like docker', () => {
    const view = serviceView('web', 1, 1);
    view.spec.task.container.healthcheck = {
      test: ['CMD-SHELL', 'test -f /ready'],
      intervalMs: 500,
      timeoutMs: 0,
      retries: 3,
      startPeriodMs: 2000,
    };
    const out = formatServicePretty(view);
    expect(out).toContain(
      [
        ' Healthcheck:',
        '  Interval = 500ms',
        '  Retries = 3',
        '  StartPeriod = 2s',
        '  Timeout = 0s (default)',
        '  Tests:',
        '   Test = CMD-SHELL',
        '   Test = test -f /ready',
      ].join('\n'),
    );
    expect(formatServicePretty(serviceView('web', 1, 1))).not.toContain('Healthcheck');
    expect(healthcheckLines({ ...NONE, test: ['NONE'] })).toContain('   Test = NONE');
  });

  it('service ps shows a pending health check in CURRENT STATE', () => {
    const waiting = task('t1', 1, 'starting');
    waiting.status.message = 'starting (health: starting)';
    const plain = task('t2', 2, 'starting');
    plain.status.message = 'starting';
    const out = formatTaskTable([waiting, plain], [], { noTrunc: false, now: new Date(T0) });
    const lines = out.split('\n');
    expect(lines[1]).toContain('Starting (health: starting) ');
    expect(lines[2]).toMatch(/Starting \S/);
    expect(lines[2]).not.toContain('health');
  });
});

describe('swarmlet service create/update health flags', () => {
  let daemon: TestDaemon;
  const cli = (...args: string[]) => runCli(daemon.socket, args);

  beforeEach(async () => {
    daemon = await startDaemon();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await daemon.close();
  });

  it('sends the check on create and edits it on update', async () => {
    const create = vi.spyOn(daemon.fake, 'createService');
    const created = await cli(
      'service',
      'create',
      '-d',
      '--name',
      'hc',
      '--health-cmd',
      'test -f /ready',
      '--health-interval',
      '300ms',
      'busybox',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(create.mock.calls[0]?.[0].task.container.healthcheck).toEqual({
      test: ['CMD-SHELL', 'test -f /ready'],
      intervalMs: 300,
    });
    const update = vi.spyOn(daemon.fake, 'updateService');
    expect(await cli('service', 'update', '-d', '--no-healthcheck', 'hc')).toMatchObject({
      code: 0,
    });
    expect(update.mock.calls[0]?.[1].spec.task.container.healthcheck?.test).toEqual(['NONE']);
    const bad = await cli(
      'service',
      'update',
      '-d',
      '--no-healthcheck',
      '--health-retries',
      '2',
      'hc',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--no-healthcheck conflicts with --health-* options');
    expect(update).toHaveBeenCalledTimes(1);
  });
});
