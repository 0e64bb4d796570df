import type { TaskState } from '@swarmlet/api-types';
import type { Progress, SlotProgress } from './converge.js';

/** Docker's numbering of the states on the way to `running`, which fills the bar. */
const STEP: Partial<Record<TaskState, number>> = {
  new: 1,
  pending: 2,
  assigned: 3,
  accepted: 4,
  preparing: 5,
  ready: 6,
  starting: 7,
  running: 8,
};
const STEPS = 8;
const BAR_WIDTH = 50;

/** `[=====>      ]` for a state; empty for states past running (failed, shutdown, ...). */
export function progressBar(state: TaskState | undefined): string {
  const step = state === undefined ? 0 : STEP[state];
  if (step === undefined) return '';
  const filled = Math.floor((BAR_WIDTH * step) / STEPS);
  return `[${'='.repeat(filled)}>${' '.repeat(BAR_WIDTH - filled)}]`;
}

/** `3/15: running   [====...>]`, with the slot's error after the bar when there is one. */
export function slotLine(s: SlotProgress, replicas: number): string {
  const head = `${s.slot}/${replicas}: ${(s.state ?? '').padEnd(9)} `;
  return `${head}${[progressBar(s.state), s.err].filter((x) => x !== '').join(' ')}`.trimEnd();
}

/** The whole display: overall line, one line per slot, and stopping tasks if any. */
export function renderProgress(p: Progress): string[] {
  const lines = [`overall progress: ${p.running} out of ${p.replicas} tasks`];
  for (const s of p.slots) lines.push(slotLine(s, p.replicas));
  if (p.extraRunning > 0) lines.push(`waiting for ${p.extraRunning} task(s) to shut down`);
  return lines;
}

/** Last line once converged, as docker prints it. */
export const CONVERGED_LINE = 'verify: Service converged';

/**
 * Redraws a frame in place on a terminal: cursor up over the previous frame, clear to the end of
 * the screen, write the new lines (cut to the terminal width so nothing wraps and breaks the
 * count of lines to move up next time).
 */
export function ttyFrame(previousLines: number, lines: readonly string[], columns: number): string {
  const up = previousLines > 0 ? `\x1b[${previousLines}A` : '';
  const cut = (l: string): string =>
    columns > 1 && l.length >= columns ? l.slice(0, columns - 1) : l;
  return `${up}\x1b[J${lines.map((l) => `${cut(l)}\n`).join('')}`;
}

/** Plain output for pipes and logs: only the lines that changed since the previous frame. */
export function changedLines(previous: readonly string[], next: readonly string[]): string[] {
  const seen = new Set(previous);
  return next.filter((l) => !seen.has(l));
}
