import type { Command } from 'commander';
import type { Healthcheck, ServiceSpec } from '@swarmlet/api-types';
import { UsageError, invalidFlag, messageOf } from '../errors.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseCount } from './words.js';

/** Docker's health check options of `service create` and `service update`, as commander hands them over. */
export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  /** commander's `--no-healthcheck` sets `healthcheck: false`. */
  healthcheck?: boolean;
}

/** The health flags given, parsed; a field is present only when its flag was. */
export interface HealthChange {
  cmd?: string;
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
  disable: boolean;
}

const CONFLICT = '--no-healthcheck conflicts with --health-* options';

/** Registers the flags on a command (same names and meanings as docker's). */
export function withHealthFlags(cmd: Command): Command {
  return cmd
    .option('--health-cmd <command>', 'command to run to check health (run by the shell)')
    .option('--health-interval <duration>', 'time between running the check (ms|s|m|h)')
    .option('--health-timeout <duration>', 'maximum time to allow one check to run (ms|s|m|h)')
    .option('--health-retries <n>', 'consecutive failures needed to report unhealthy')
    .option(
      '--health-start-period <duration>',
      'start period for the container to initialize before failures count (ms|s|m|h)',
    )
    .option('--no-healthcheck', 'disable any container-specified HEALTHCHECK');
}

function duration(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw invalidFlag(flag, value, messageOf(err));
  }
}

/** Parses the flags (durations as docker's); throws `UsageError` naming a bad one. */
export function parseHealthFlags(f: HealthFlags): HealthChange {
  const c: HealthChange = { disable: f.healthcheck === false };
  if (f.healthCmd !== undefined) c.cmd = f.healthCmd;
  if (f.healthInterval !== undefined)
    c.intervalMs = duration('--health-interval', f.healthInterval);
  if (f.healthTimeout !== undefined) c.timeoutMs = duration('--health-timeout', f.healthTimeout);
  if (f.healthRetries !== undefined) c.retries = parseCount('--health-retries', f.healthRetries);
  if (f.healthStartPeriod !== undefined)
    c.startPeriodMs = duration('--health-start-period', f.healthStartPeriod);
  return c;
}

/** `service update`'s flags, parsed and checked before anything is sent. */
export function parseHealthUpdate(f: HealthFlags): HealthChange {
  const c = parseHealthFlags(f);
  if (c.disable && hasOptions(c)) throw new UsageError(CONFLICT);
  return c;
}

function hasOptions(c: HealthChange): boolean {
  return (['cmd', 'intervalMs', 'timeoutMs', 'retries', 'startPeriodMs'] as const).some(
    (k) => c[k] !== undefined,
  );
}

/**
 * The health check of `service create` (docker's rules): `--no-healthcheck` alone disables the
 * image's; `--health-cmd` runs with the shell; options without a command keep the image's
 * command. Undefined when no flag is given (the image's HEALTHCHECK applies).
 */
export function healthcheckOf(f: HealthFlags): Partial<Healthcheck> | undefined {
  const c = parseHealthFlags(f);
  const options = hasOptions({ ...c, cmd: c.cmd === '' ? undefined : c.cmd });
  if (c.disable) {
    if (options) throw new UsageError(CONFLICT);
    return { test: ['NONE'] };
  }
  if (!options) return undefined;
  const { disable: _, cmd, ...rest } = c;
  return { test: cmd ? ['CMD-SHELL', cmd] : [], ...rest };
}

/**
 * Applies `service update`'s health flags to a spec (pure; docker's `updateHealthcheck`): no
 * flag leaves it as is; `--no-healthcheck` alone disables checks; otherwise each given option
 * replaces its field, a disabled check is re-enabled, and `--health-cmd ''` goes back to the
 * image's command.
 */
export function applyHealthChange(spec: ServiceSpec, c: HealthChange): ServiceSpec {
  if (!c.disable && !hasOptions(c)) return spec;
  if (c.disable && hasOptions(c)) throw new UsageError(CONFLICT);
  const next = structuredClone(spec);
  const none = { test: [] as string[], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0 };
  if (c.disable) {
    next.task.container.healthcheck = { ...none, test: ['NONE'] };
    return next;
  }
  const h: Healthcheck = { ...none, ...next.task.container.healthcheck };
  if (h.test[0] === 'NONE') h.test = [];
  if (c.intervalMs !== undefined) h.intervalMs = c.intervalMs;
  if (c.timeoutMs !== undefined) h.timeoutMs = c.timeoutMs;
  if (c.retries !== undefined) h.retries = c.retries;
  if (c.startPeriodMs !== undefined) h.startPeriodMs = c.startPeriodMs;
  if (c.cmd !== undefined) h.test = c.cmd === '' ? [] : ['CMD-SHELL', c.cmd];
  next.task.container.healthcheck = h;
  return next;
}

/** `service inspect --pretty` lines of a health check, laid out as docker's. */
export function healthcheckLines(h: Healthcheck): string[] {
  const dur = (ms: number): string => (ms === 0 ? '0s (default)' : formatDuration(ms));
  const out = [
    ' Healthcheck:',
    `  Interval = ${dur(h.intervalMs)}`,
    `  Retries = ${h.retries === 0 ? '0 (default)' : h.retries}`,
    `  StartPeriod = ${dur(h.startPeriodMs)}`,
    `  Timeout = ${dur(h.timeoutMs)}`,
  ];
  if (h.test.length > 0) out.push('  Tests:', ...h.test.map((t) => `   Test = ${t}`));
  return out;
}
