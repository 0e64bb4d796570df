import type { NetMap } from './netmap.js';
import type { NodeDescription } from './node.js';
import type { Task, TaskStatus } from './task.js';

/**
 * Messages of an agent session. Today they travel over an in-process channel; the cluster issue
 * carries the same messages over a mutual-TLS WebSocket, so they must stay JSON-serialisable.
 *
 * Order on a session: agent `register` -> manager `session` -> manager `assignments` (full set)
 * -> then, in any order, agent `heartbeat`/`status` and manager `assignments` (increments).
 */
export type AgentMessage =
  | { type: 'register'; nodeId: string; description: NodeDescription }
  | { type: 'heartbeat' }
  | { type: 'status'; updates: TaskStatusUpdate[] }
  | AgentReply;

/**
 * The agent's answers to `ManagerRequest`s, by the manager's `requestId`. A logs request gets one
 * `logs-data` at once (possibly with no lines: "reading"), more as lines come, then `logs-end`
 * (with `error` when reading failed). A volumes request gets one `volumes-result`.
 */
export type AgentReply =
  | { type: 'logs-data'; requestId: string; lines: SessionLogLine[] }
  | { type: 'logs-end'; requestId: string; error?: string }
  | { type: 'volumes-result'; requestId: string; volumes?: SessionVolume[]; error?: string };

export type ManagerMessage =
  | { type: 'session'; sessionId: string; nodeId: string; heartbeatPeriodMs: number }
  | { type: 'assignments'; full: boolean; changes: AssignmentChange[] }
  /** The data plane's view (sent before the first assignments, then on every change). */
  | { type: 'netmap'; map: NetMap }
  /** New values of configs that tasks on this node mount (updated in place, no restart). */
  | { type: 'configs'; configs: FilePayload[] }
  | { type: 'error'; message: string }
  | ManagerRequest;

/**
 * Requests the leader makes of an agent for the CLI (`service logs`, `volume ls/rm`); answered
 * by `AgentReply`s carrying the same `requestId`. `logs-cancel` stops a reader (Ctrl-C, client
 * gone); the agent answers it with `logs-end`.
 */
export type ManagerRequest =
  | { type: 'logs'; requestId: string; taskId: string; options: SessionLogOptions }
  | { type: 'logs-cancel'; requestId: string }
  | { type: 'volumes'; requestId: string; op: 'list' }
  | { type: 'volumes'; requestId: string; op: 'remove'; name: string };

/** The executor's `LogOptions` on the wire. */
export interface SessionLogOptions {
  follow: boolean;
  tail?: number;
  sinceMs?: number;
}

/** The executor's `LogLine` on the wire. */
export interface SessionLogLine {
  stream: 'stdout' | 'stderr';
  timestamp: string;
  text: string;
}

/** The executor's `VolumeInfo` on the wire. */
export interface SessionVolume {
  name: string;
  driver: string;
  labels: Record<string, string>;
  inUse: boolean;
}

/**
 * A task the node must run (`update`, with the data of the secrets and configs it mounts: only
 * nodes running such a task ever receive them) or forget (`remove`: it may delete the container).
 */
export type AssignmentChange =
  { action: 'update'; task: Task; files?: TaskFilesPayload } | { action: 'remove'; taskId: string };

/** One secret's or config's data (base64), by id. */
export interface FilePayload {
  id: string;
  data: string;
}

export interface TaskFilesPayload {
  secrets: FilePayload[];
  configs: FilePayload[];
  /** Credentials for the task's image registry, when a `registry` secret names its server. */
  registryAuth?: { server: string; username: string; password: string };
}

export interface TaskStatusUpdate {
  taskId: string;
  status: TaskStatus;
}

/** One end of a session: a duplex channel of typed messages. */
export interface SessionChannel<In, Out> {
  send(msg: Out): void;
  /** Registers the single consumer of incoming messages. */
  onMessage(fn: (msg: In) => void): void;
  onClose(fn: (reason: string) => void): void;
  close(reason?: string): void;
}
