import type { Command } from 'commander';
import {
  UPDATE_FAILURE_ACTIONS,
  UPDATE_ORDERS,
  type UpdateConfig,
  type UpdateFailureAction,
  type UpdateOrder,
} from '@swarmlet/api-types';
import { invalidFlag } from '../errors.js';
import { parseDuration } from './duration.js';
import { flagValue, oneOf } from './service-flags.js';
import { parseCount } from './words.js';

/** `--update-*` and `--rollback-*` as commander hands them over (create and update). */
export interface UpdateConfigFlags {
  updateParallelism?: string;
  updateDelay?: string;
  updateOrder?: string;
  updateFailureAction?: string;
  updateMonitor?: string;
  updateMaxFailureRatio?: string;
  rollbackParallelism?: string;
  rollbackDelay?: string;
  rollbackOrder?: string;
  rollbackFailureAction?: string;
  rollbackMonitor?: string;
  rollbackMaxFailureRatio?: string;
}

/** Registers Docker's `--update-*` and `--rollback-*` flags on a command. */
export function withUpdateConfigFlags(cmd: Command): Command {
  for (const [kind, what] of [
    ['update', 'update'],
    ['rollback', 'rollback'],
  ] as const) {
    cmd
      .option(`--${kind}-parallelism <n>`, `tasks ${what}d at a time (0: all at once; default 1)`)
      .option(`--${kind}-delay <duration>`, `delay between ${what} batches (default 0s)`)
      .option(`--${kind}-order <order>`, `${what} order: stop-first (default) or start-first`)
      .option(
        `--${kind}-failure-action <action>`,
        kind === 'update'
          ? 'on failure: pause (default), continue or rollback'
          : 'on failure: pause (default) or continue',
      )
      .option(
        `--${kind}-monitor <duration>`,
        `time after each task ${what} to watch for failure (default 5s)`,
      )
      .option(`--${kind}-max-failure-ratio <ratio>`, `failure rate tolerated (0 to 1; default 0)`);
  }
  return cmd;
}

function ratio(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw invalidFlag(flag, v, 'must be a number between 0 and 1');
  return n;
}

function one(
  kind: 'update' | 'rollback',
  p: string | undefined,
  d: string | undefined,
  o: string | undefined,
  a: string | undefined,
  m: string | undefined,
  r: string | undefined,
): Partial<UpdateConfig> | undefined {
  const c: Partial<UpdateConfig> = {};
  if (p !== undefined) c.parallelism = parseCount(`--${kind}-parallelism`, p);
  if (d !== undefined) c.delayMs = flagValue(`--${kind}-delay`, d, parseDuration);
  if (o !== undefined) c.order = oneOf<UpdateOrder>(`--${kind}-order`, o, UPDATE_ORDERS);
  if (a !== undefined) {
    const allowed = kind === 'update' ? UPDATE_FAILURE_ACTIONS : (['pause', 'continue'] as const);
    c.failureAction = oneOf<UpdateFailureAction>(`--${kind}-failure-action`, a, allowed);
  }
  if (m !== undefined) c.monitorMs = flagValue(`--${kind}-monitor`, m, parseDuration);
  if (r !== undefined) c.maxFailureRatio = ratio(`--${kind}-max-failure-ratio`, r);
  return Object.keys(c).length > 0 ? c : undefined;
}

/** The update and rollback configs the flags set (only the given fields); throws on bad values. */
export function updateConfigsOf(f: UpdateConfigFlags): {
  updateConfig?: Partial<UpdateConfig>;
  rollbackConfig?: Partial<UpdateConfig>;
} {
  const u = one(
    'update',
    f.updateParallelism,
    f.updateDelay,
    f.updateOrder,
    f.updateFailureAction,
    f.updateMonitor,
    f.updateMaxFailureRatio,
  );
  const r = one(
    'rollback',
    f.rollbackParallelism,
    f.rollbackDelay,
    f.rollbackOrder,
    f.rollbackFailureAction,
    f.rollbackMonitor,
    f.rollbackMaxFailureRatio,
  );
  return { ...(u ? { updateConfig: u } : {}), ...(r ? { rollbackConfig: r } : {}) };
}
