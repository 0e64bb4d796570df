import type { FilePayload, NodeDescription, Task, TaskFilesPayload } from '@swarmlet/api-types';

/**
 * The contract between the agent and a container runtime (swarmkit's agent/exec).
 * `DockerExecutor` (packages/executor-docker) implements it over dockerode; `FakeExecutor`
 * (./fake-executor.ts) implements it in memory for control-plane tests and scale simulations.
 */
export interface Executor {
  /** Hostname, platform, resources and engine facts reported to managers at registration. */
  describe(): Promise<NodeDescription>;
  /**
   * A controller for one task. Cheap; does no IO until a method is called. `files` holds the
   * data of the secrets and configs the task mounts (kept in memory, never on disk).
   */
  controller(task: Task, files?: TaskFilesPayload): TaskController;
  /** Releases node-side files (secret tmpfs) of tasks other than `keep`. Optional. */
  pruneTaskFiles?(keep: readonly string[]): Promise<void>;
  /** New values of configs: tasks on this node that mount them see them in place. Optional. */
  updateConfigs?(configs: FilePayload[]): Promise<void>;
  /**
   * Every container this executor manages on the node (found by label), for adoption after a
   * restart and for removing containers whose task no longer exists.
   */
  list(): Promise<ManagedContainer[]>;
  /** Force-removes a managed container by id; succeeds if it is already gone. */
  removeContainer(containerId: string): Promise<void>;
  /**
   * The log lines of a task's container (found by the task id label), oldest first; with
   * `follow`, keeps yielding until the container stops or `signal` aborts. Optional.
   */
  logs?(taskId: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<LogLine>;
  /** Named volumes on this node (every volume of the engine, with whether a container uses it). */
  listVolumes?(): Promise<VolumeInfo[]>;
  /** Removes a named volume; `ExecutorError` kind `runtime`, not temporary, while in use. */
  removeVolume?(name: string): Promise<void>;
}

/** `service logs` options, as Docker's container logs API takes them. */
export interface LogOptions {
  follow: boolean;
  /** Last N lines only (undefined: all). */
  tail?: number;
  /** Only lines at or after this time (ms since the epoch). */
  sinceMs?: number;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, as Docker stamps it. */
  timestamp: string;
  /** The line without its trailing newline. */
  text: string;
}

export interface VolumeInfo {
  name: string;
  driver: string;
  labels: Record<string, string>;
  /** Mounted by at least one container on this node. */
  inUse: boolean;
}

export interface ManagedContainer {
  containerId: string;
  taskId: string;
  serviceId: string;
  nodeId: string;
  running: boolean;
}

/** What `inspect()` found for the task's container. */
export interface ContainerState {
  containerId: string;
  running: boolean;
  /** Set once the container has exited. */
  exitCode: number | undefined;
  /** Runtime error text when the container failed to start or died abnormally. */
  error: string;
}

export interface ExitStatus {
  exitCode: number;
  error: string;
}

/**
 * Drives one task's container. Every method is idempotent: after a daemon restart the agent
 * calls them again on a container that may already exist, run or be gone.
 */
export interface TaskController {
  /** Existing container state, or undefined when no container exists for the task. */
  inspect(): Promise<ContainerState | undefined>;
  /** Pulls the image if absent and creates the container. No-op if the container exists. */
  prepare(): Promise<void>;
  /**
   * Starts the container. No-op if it is already running. When the container has a health
   * check, resolves only once it is healthy, calling `progress` with a status message (e.g.
   * `starting (health: starting)`) while it waits; rejects with a permanent error if it turns
   * unhealthy or exits first, and with `signal`'s reason when aborted.
   */
  start(signal?: AbortSignal, progress?: (message: string) => void): Promise<void>;
  /** Resolves when the container exits. Rejects with `signal`'s reason when aborted. */
  wait(signal: AbortSignal): Promise<ExitStatus>;
  /** Stops the container: SIGTERM, then SIGKILL after the task's grace period. */
  shutdown(): Promise<void>;
  /** Kills the container immediately. */
  terminate(): Promise<void>;
  /** Removes the container. Succeeds if it is already gone. */
  remove(): Promise<void>;
}

export const EXECUTOR_ERROR_KINDS = ['image', 'create', 'start', 'runtime'] as const;
export type ExecutorErrorKind = (typeof EXECUTOR_ERROR_KINDS)[number];

/**
 * A failure of the runtime. `temporary` errors are retried by the agent; permanent `image` and
 * `create` errors reject the task (state REJECTED) with the engine's message.
 */
export class ExecutorError extends Error {
  override readonly name = 'ExecutorError';
  constructor(
    readonly kind: ExecutorErrorKind,
    message: string,
    readonly temporary: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isExecutorError(err: unknown): err is ExecutorError {
  return err instanceof Error && err.name === 'ExecutorError';
}

/** Docker-style container name: `<service>.<slot>.<taskid>` (`<service>.<nodeid>.<taskid>` for global). */
export function containerName(task: Task): string {
  const middle = task.slot > 0 ? String(task.slot) : task.nodeId;
  return `${task.serviceName}.${middle}.${task.id}`;
}

/** Labels put on every container, read back by `Executor.list()`. */
export const CONTAINER_LABELS = {
  task: 'io.swarmlet.task.id',
  service: 'io.swarmlet.service.id',
  serviceName: 'io.swarmlet.service.name',
  node: 'io.swarmlet.node.id',
  slot: 'io.swarmlet.task.slot',
} as const;
