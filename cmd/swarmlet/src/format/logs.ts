import type { LogNotice, LogRecord } from '@swarmlet/api-types';
import { truncateId } from './table.js';

/** How `service logs` prints a line (its flags). */
export interface LogFormat {
  /** `--raw`: the line only. */
  raw: boolean;
  /** `-t`: the engine's RFC 3339 stamp first. */
  timestamps: boolean;
  /** `--no-task-ids`: `web.1@node1` instead of `web.1.abc123def456@node1`. */
  noTaskIds: boolean;
  /** `--no-trunc`: full task ids. */
  noTrunc: boolean;
  /** Digits of the largest slot: shorter slots are padded so the `|` columns line up. */
  slotWidth: number;
}

/** Docker's context: `web.1.abc123def456@node1`, `web.1@node1`; global tasks by node id. */
export function logContext(r: LogRecord, f: LogFormat): string {
  const slot = r.slot > 0 ? String(r.slot) : r.nodeId;
  let name = `${r.serviceName}.${slot}`;
  if (!f.noTaskIds) name += `.${f.noTrunc ? r.taskId : truncateId(r.taskId)}`;
  const pad = r.slot > 0 ? ' '.repeat(Math.max(0, f.slotWidth - slot.length)) : '';
  return `${name}${pad}@${r.nodeName || r.nodeId}`;
}

/** One output line (with its newline), as `docker service logs` prints it. */
export function formatLogLine(r: LogRecord, f: LogFormat): string {
  const stamp = f.timestamps && r.timestamp !== '' ? `${r.timestamp} ` : '';
  if (f.raw) return `${stamp}${r.text}\n`;
  return `${stamp}${logContext(r, f)}    | ${r.text}\n`;
}

/** A notice for stderr: a node down or not answering, a task whose logs could not be read. */
export function formatLogNotice(n: LogNotice): string {
  return `Warning: ${n.notice}\n`;
}

/** Digits of the widest slot number among `slots` (at least 1). */
export function slotWidth(slots: readonly number[]): number {
  return Math.max(1, ...slots.map((s) => String(s).length));
}
