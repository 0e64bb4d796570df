import { Type, type Static } from 'typebox';
import { invalid } from './errors.js';

/** Options of `service logs` / `GET /v1/services/{ref}/logs` (Docker's flags). */
export interface LogsRequest {
  /** Keep streaming new lines, and the lines of tasks that start later, until cancelled. */
  follow?: boolean;
  /** Last N lines of each task (undefined: all). */
  tail?: number;
  /** A duration back from now (`10m`, `1h30m`) or a timestamp (RFC 3339 or Unix seconds). */
  since?: string;
  /** Stamp each line (default true); false leaves `timestamp` empty. */
  timestamps?: boolean;
}

export const LOG_STREAMS = ['stdout', 'stderr'] as const;

/** One line of a task's container, with where it came from (one NDJSON object on the wire). */
export const LogRecordSchema = Type.Object({
  taskId: Type.String(),
  nodeId: Type.String(),
  /** The node's hostname ('' if the node is no longer known). */
  nodeName: Type.String(),
  serviceName: Type.String(),
  /** Replica slot; 0 for global tasks. */
  slot: Type.Integer({ minimum: 0 }),
  stream: Type.Enum(LOG_STREAMS),
  /** RFC 3339 with nanoseconds, as Docker stamps it ('' with `timestamps=false`). */
  timestamp: Type.String(),
  /** The line without its trailing newline. */
  text: Type.String(),
});
export type LogRecord = Static<typeof LogRecordSchema>;

/**
 * Something the user must know about the stream that is not a log line: a node that is down or
 * does not answer, a task whose logs could not be read. The CLI prints it on stderr.
 */
export const LogNoticeSchema = Type.Object({
  notice: Type.String(),
  nodeId: Type.String(),
  nodeName: Type.String(),
  taskId: Type.Optional(Type.String()),
});
export type LogNotice = Static<typeof LogNoticeSchema>;

export const LogEntrySchema = Type.Union([LogRecordSchema, LogNoticeSchema]);
export type LogEntry = LogRecord | LogNotice;

export function isLogNotice(e: LogEntry): e is LogNotice {
  return 'notice' in e;
}

/** A named volume on one node (`volume ls`). */
export const NodeVolumeSchema = Type.Object({
  nodeId: Type.String(),
  nodeName: Type.String(),
  name: Type.String(),
  driver: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  /** Mounted by at least one container on that node. */
  inUse: Type.Boolean(),
});
export type NodeVolume = Static<typeof NodeVolumeSchema>;

/** A node that could not be asked (down, no session, no answer), and why. */
export const NodeNoticeSchema = Type.Object({
  nodeId: Type.String(),
  nodeName: Type.String(),
  message: Type.String(),
});
export type NodeNotice = Static<typeof NodeNoticeSchema>;

export const VolumeListSchema = Type.Object({
  volumes: Type.Array(NodeVolumeSchema),
  notices: Type.Array(NodeNoticeSchema),
});
export type VolumeList = Static<typeof VolumeListSchema>;

export const VolumeRemovedSchema = Type.Object({
  /** The nodes the volume was removed from. */
  nodes: Type.Array(Type.Object({ nodeId: Type.String(), nodeName: Type.String() })),
  notices: Type.Array(NodeNoticeSchema),
});
export type VolumeRemoved = Static<typeof VolumeRemovedSchema>;

/** `volume ls --node` / `volume rm --node`: a node id, id prefix or hostname. */
export interface VolumeRequest {
  node?: string;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * `--since` as Docker takes it: a duration back from `nowMs` (`10m`, `1h30m`, `90s`), Unix
 * seconds (`1700000000`, `1700000000.5`) or a date/time `Date.parse` reads (RFC 3339,
 * `2026-01-02T13:23:37`, `2026-01-02`). Answers ms since the epoch; INVALID_ARGUMENT otherwise.
 */
export function parseSince(value: string, nowMs: number): number {
  const v = value.trim();
  if (DURATION.test(v)) {
    let ms = 0;
    for (const m of v.matchAll(PART)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
    return Math.round(nowMs - ms);
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const parsed = Date.parse(v);
  if (Number.isNaN(parsed)) {
    throw invalid(
      `invalid --since "${value}": give a duration (10m, 1h30m) or a timestamp (RFC 3339 or Unix seconds)`,
    );
  }
  return parsed;
}
