import type { ControlApi } from '@swarmlet/api-types';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Output } from '../io.js';
import { formatDuration } from '../parse/duration.js';
import type { Progress } from './converge.js';
import { progressOf } from './modes.js';
import { changedLines, CONVERGED_LINE, renderProgress, ttyFrame } from './render.js';

/** How `waitForConvergence` polls and where it draws. */
export interface WaitOptions {
  control: ControlApi;
  /** Service id (stable across renames). */
  serviceId: string;
  /** Name shown in messages. */
  serviceName: string;
  out: Output;
  /** Draw nothing (`-q`); still wait. */
  quiet: boolean;
  pollMs: number;
  /** Give up after this long; 0 waits until converged or interrupted. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** The update or rollback this command started (see `progressOf`). */
  update?: { startedAt: string; rollback: boolean };
}

/** Thrown when the wait is interrupted (Ctrl-C): the daemon carries on regardless. */
export class DetachedError extends Error {
  override readonly name = 'DetachedError';
}

/** Draws frames on a TTY in place, elsewhere as changed lines only. */
class Display {
  private previous: string[] = [];

  constructor(
    private readonly out: Output,
    private readonly quiet: boolean,
  ) {}

  draw(lines: string[]): void {
    if (this.quiet) return;
    if (this.out.isTTY) {
      this.out.write(ttyFrame(this.previous.length, lines, this.out.columns ?? 80));
    } else {
      for (const l of changedLines(this.previous, lines)) this.out.write(`${l}\n`);
    }
    this.previous = lines;
  }

  finish(): void {
    if (!this.quiet) this.out.write(`${CONVERGED_LINE}\n`);
  }
}

async function poll(opts: WaitOptions): Promise<Progress & { error?: string }> {
  const service = await opts.control.getService(opts.serviceId);
  const tasks = await opts.control.listTasks({ service: opts.serviceId });
  return progressOf(service, tasks, opts.update);
}

function timeoutMessage(opts: WaitOptions, p: Progress): string {
  const errors = [...new Set(p.slots.map((s) => s.err).filter((e) => e !== ''))];
  const why = errors.length > 0 ? `; task errors: ${errors.join('; ')}` : '';
  return (
    `service ${opts.serviceName} did not converge within ${formatDuration(opts.timeoutMs)}: ` +
    `${p.running} out of ${p.replicas} tasks running${why}. ` +
    `It keeps trying; see "swarmlet service ps ${opts.serviceName}"`
  );
}

/**
 * Polls the service's tasks until it converges (see `progressOf`), drawing docker's progress
 * display. A paused update, an automatic rollback or a failed job fail the wait with its reason. Rejects with a message listing task errors after `timeoutMs`, and with
 * `DetachedError` when `signal` aborts; neither changes anything on the daemon.
 */
export async function waitForConvergence(opts: WaitOptions): Promise<void> {
  const display = new Display(opts.out, opts.quiet);
  const deadline = opts.timeoutMs > 0 ? Date.now() + opts.timeoutMs : Infinity;
  for (;;) {
    const progress = await poll(opts);
    display.draw(renderProgress(progress));
    if (progress.error) throw new Error(progress.error);
    if (progress.converged) return display.finish();
    if (Date.now() >= deadline) throw new Error(timeoutMessage(opts, progress));
    try {
      await sleep(opts.pollMs, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch {
      throw new DetachedError(
        `Operation continuing in background.\nUse "swarmlet service ps ${opts.serviceName}" to check progress.`,
      );
    }
  }
}
