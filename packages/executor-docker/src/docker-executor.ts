import { hostname as osHostname } from 'node:os';
import type Docker from 'dockerode';
import type { NodeDescription, Task } from '@swarmlet/api-types';
import {
  CONTAINER_LABELS,
  type Executor,
  type LogLine,
  type LogOptions,
  type ManagedContainer,
  type TaskController,
  type VolumeInfo,
} from '@swarmlet/agent';
import { DockerTaskController } from './docker-controller.js';
import { EngineConnection, type EngineEndpoint } from './engine.js';
import { statusCode, toExecutorError } from './errors.js';
import type { TaskNetworking } from './networking.js';
import { join } from 'node:path';
import { DEFAULT_TASK_FILES_ROOT, TaskFiles } from './task-files.js';
import { updatedConfigFiles } from './task-files-of.js';
import { listVolumes, removeVolume } from './volumes.js';
import { containerLogs } from './logs.js';
import type { FilePayload, TaskFilesPayload } from '@swarmlet/api-types';

export interface DockerExecutorOptions extends EngineEndpoint {
  /** This node's id: written into every container's labels and env, and the scope of `list()`. */
  nodeId: string;
  /** Reported by `describe()`; defaults to `os.hostname()`. */
  hostname?: string;
  /** Fixed API version (e.g. `'1.41'`) instead of negotiating it from the engine's `/version`. */
  apiVersion?: string;
  /** The node's data plane; without it containers use the engine's default bridge. */
  networking?: TaskNetworking;
  /** Where task tmpfs mounts go (default /run/swarmlet/tasks/<node id>). */
  taskFilesRoot?: string;
}

/** `["k=v", ...]` (as `/info` reports engine labels) to a record. */
export function parseLabelList(labels: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const label of labels ?? []) {
    const eq = label.indexOf('=');
    if (eq > 0) out[label.slice(0, eq)] = label.slice(eq + 1);
    else if (label !== '') out[label] = '';
  }
  return out;
}

/**
 * `Executor` over one Docker engine via dockerode (swarmkit's dockerexec). Stateless apart from
 * the lazily negotiated client: controllers are cheap and find containers by name, so a restarted
 * agent can call them again. Several executors with distinct `nodeId`s may share one engine
 * (simulated nodes in tests): `list()` only returns containers labelled with this executor's node.
 */
export class DockerExecutor implements Executor {
  readonly nodeId: string;
  /** The node's data plane (set once it exists); tasks prepared later use it. */
  networking: TaskNetworking | undefined;
  /** Secret and config files of tasks, each task in its own tmpfs. */
  readonly taskFiles: TaskFiles;
  /** Tasks with configs, for in-place updates. */
  private readonly configTasks = new Map<string, Task>();
  private readonly connection: EngineConnection;
  private readonly hostname: string;

  constructor(options: DockerExecutorOptions) {
    this.nodeId = options.nodeId;
    this.networking = options.networking;
    // Per node: daemons sharing a machine (tests, simulated nodes) never touch each other's.
    this.taskFiles = new TaskFiles({
      root: options.taskFilesRoot ?? join(DEFAULT_TASK_FILES_ROOT, options.nodeId),
    });
    this.hostname = options.hostname ?? osHostname();
    this.connection = new EngineConnection(options, options.apiVersion);
  }

  /** The negotiated dockerode client, for callers that need the engine directly (networks, tests). */
  engine(): Promise<Docker> {
    return this.connection.get();
  }

  async describe(): Promise<NodeDescription> {
    const docker = await this.engine();
    let info: Record<string, unknown>;
    try {
      info = (await docker.info()) as Record<string, unknown>;
    } catch (err) {
      throw toExecutorError('runtime', err);
    }
    return {
      hostname: this.hostname,
      platform: {
        os: String(info['OSType'] ?? 'linux'),
        arch: String(info['Architecture'] ?? 'unknown'),
      },
      resources: {
        nanoCpus: Number(info['NCPU'] ?? 0) * 1e9,
        memoryBytes: Number(info['MemTotal'] ?? 0),
      },
      engine: {
        version: String(info['ServerVersion'] ?? ''),
        labels: parseLabelList(info['Labels'] as string[] | undefined),
      },
    };
  }

  controller(task: Task, files?: TaskFilesPayload): TaskController {
    if (task.spec.configs?.length) this.configTasks.set(task.id, task);
    return new DockerTaskController(() => this.engine(), task, this.nodeId, this.networking, {
      store: this.taskFiles,
      payload: files,
    });
  }

  /** New config values reach the tasks that mount them, in place (no restart). */
  async updateConfigs(configs: FilePayload[]): Promise<void> {
    const live = new Set(await this.taskFiles.list());
    for (const [taskId, task] of this.configTasks) {
      if (!live.has(taskId)) {
        this.configTasks.delete(taskId);
        continue;
      }
      const files = updatedConfigFiles(task, configs);
      if (files.length > 0) await this.taskFiles.update(taskId, files);
    }
  }

  async list(): Promise<ManagedContainer[]> {
    const docker = await this.engine();
    let containers: Docker.ContainerInfo[];
    try {
      containers = await docker.listContainers({
        all: true,
        filters: { label: [CONTAINER_LABELS.task, `${CONTAINER_LABELS.node}=${this.nodeId}`] },
      });
    } catch (err) {
      throw toExecutorError('runtime', err);
    }
    return containers.map((c) => ({
      containerId: c.Id,
      taskId: c.Labels[CONTAINER_LABELS.task] ?? '',
      serviceId: c.Labels[CONTAINER_LABELS.service] ?? '',
      nodeId: c.Labels[CONTAINER_LABELS.node] ?? '',
      running: c.State === 'running',
    }));
  }

  async removeContainer(containerId: string): Promise<void> {
    const docker = await this.engine();
    try {
      await docker.getContainer(containerId).remove({ force: true, v: true });
    } catch (err) {
      if (statusCode(err) === 404) return;
      throw toExecutorError('runtime', err);
    }
  }

  /** Every volume of the engine, `inUse` when a container (in any state) mounts it. */
  async listVolumes(): Promise<VolumeInfo[]> {
    return listVolumes(await this.engine());
  }

  /** Removes a volume; refused (`runtime`, not temporary) while a container uses it. */
  async removeVolume(name: string): Promise<void> {
    return removeVolume(await this.engine(), name);
  }

  /** The task container's log lines (see `containerLogs`). */
  async *logs(taskId: string, opts: LogOptions, signal: AbortSignal): AsyncGenerator<LogLine> {
    yield* containerLogs(await this.engine(), this.nodeId, taskId, opts, signal);
  }

  /** Releases the secret/config tmpfs of every task not in `keep` (left by removed tasks). */
  async pruneTaskFiles(keep: readonly string[]): Promise<void> {
    const wanted = new Set(keep);
    for (const taskId of await this.taskFiles.list()) {
      if (!wanted.has(taskId)) await this.taskFiles.release(taskId);
    }
  }
}
