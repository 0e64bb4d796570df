import type { UpdateStatus } from '@swarmlet/api-types';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseDuration } from '../parse/duration.js';
import { flagValue } from '../parse/service-flags.js';
import { waitForConvergence } from '../progress/wait.js';

/** `-d/--detach`, `-q/--quiet` and `--timeout`, shared by create, scale and update. */
export interface WaitFlags {
  detach?: boolean;
  quiet?: boolean;
  timeout: string;
}

/** Adds the wait flags to a command. */
export function withWaitFlags(cmd: Command): Command {
  return cmd
    .option('-d, --detach', 'exit immediately instead of waiting for the service to converge')
    .option('-q, --quiet', 'suppress progress output')
    .option('--timeout <duration>', 'give up waiting after this long (0: wait forever)', '5m');
}

/** Checks `--timeout` up front, so a typo fails before anything changes on the daemon. */
export function timeoutMs(flags: WaitFlags): number {
  return flagValue('--timeout', flags.timeout, parseDuration);
}

/**
 * Waits for the service to converge unless `--detach`: replicated and global services until
 * their tasks run the current spec, jobs until they complete; a paused update, a rollback the
 * command did not ask for, or a failed job end the wait with an error.
 */
export async function maybeWait(
  ctx: CommandContext,
  flags: WaitFlags,
  service: { id: string; spec: { name: string; mode: string }; updateStatus?: UpdateStatus },
  rollback = false,
): Promise<void> {
  if (flags.detach) return;
  const st = service.updateStatus;
  const started = st?.state === 'updating' || st?.state === 'rollback_started';
  await waitForConvergence({
    control: ctx.client(),
    serviceId: service.id,
    serviceName: service.spec.name,
    out: ctx.out,
    quiet: flags.quiet ?? false,
    pollMs: ctx.pollMs,
    timeoutMs: timeoutMs(flags),
    ...(started ? { update: { startedAt: st.startedAt, rollback } } : {}),
    ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
  });
}
