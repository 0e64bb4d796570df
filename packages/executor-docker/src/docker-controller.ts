import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import type { Task } from '@swarmlet/api-types';
import {
  CONTAINER_LABELS,
  ExecutorError,
  containerName,
  isExecutorError,
  type ContainerState,
  type ExitStatus,
  type TaskController,
} from '@swarmlet/agent';
import { createOptions, stopTimeoutSeconds } from './container-config.js';
import { isUnreachable, statusCode, toExecutorError } from './errors.js';
import { HEALTH_STARTING_MESSAGE, waitHealthy, watchUnhealthy } from './health.js';
import { pullImage } from './image.js';
import type { TaskEndpoints, TaskNetworking } from './networking.js';
import type { TaskFiles } from './task-files.js';
import { taskFilesOf } from './task-files-of.js';
import { ensureVolumes } from './volumes.js';
import type { TaskFilesPayload } from '@swarmlet/api-types';

/** A task's secret and config files: where they go on the node and their data. */
export interface ControllerFiles {
  store: TaskFiles;
  payload: TaskFilesPayload | undefined;
}

/** The exit code reported for a task whose container failed its health check (still running). */
export const UNHEALTHY_EXIT = -1;

/** Runtime error text of a container's state: the engine's error, else OOM, else empty. */
export function stateError(state: ContainerInspectInfo['State']): string {
  if (state.Error !== '') return state.Error;
  if (state.OOMKilled) return 'container was killed: out of memory';
  return '';
}

/** Maps engine inspect output to the agent's view. */
export function containerState(info: ContainerInspectInfo): ContainerState {
  const exited = info.State.Status === 'exited' || info.State.Status === 'dead';
  return {
    containerId: info.Id,
    running: info.State.Running,
    exitCode: exited ? info.State.ExitCode : undefined,
    error: stateError(info.State),
  };
}

/**
 * Drives one task's container, addressed by its deterministic name (`containerName(task)`), so a
 * restarted agent finds the same container without remembering ids. Engine answers that mean
 * "already done" (304 started/stopped, 404 gone, 409 not running / name taken by this task) are
 * successes: every method is idempotent as the `TaskController` contract requires.
 */
export class DockerTaskController implements TaskController {
  private readonly name: string;
  /** Started, health check not passed yet: the task never served traffic, nothing to drain. */
  private awaitingHealth = false;

  constructor(
    private readonly engine: () => Promise<Docker>,
    private readonly task: Task,
    private readonly nodeId: string,
    private readonly networking?: TaskNetworking,
    private readonly files?: ControllerFiles,
  ) {
    this.name = containerName(task);
  }

  async inspect(): Promise<ContainerState | undefined> {
    const info = await this.inspectInfo();
    return info === undefined ? undefined : containerState(info);
  }

  /** Create first and pull only on "no such image" (as `docker run` does): one request when the image is local. */
  async prepare(): Promise<void> {
    const docker = await this.engine();
    // Named volumes first: a refused one rejects the task before networks and files are set up.
    await ensureVolumes(docker, this.task.spec.container.mounts);
    const endpoints = await this.endpoints();
    const binds = await this.prepareFiles();
    if (await this.tryCreate(docker, endpoints, binds)) return;
    const image = this.task.spec.container.image;
    // Credentials of a `registry` secret for the image's registry, when the manager sent one.
    const a = this.files?.payload?.registryAuth;
    await pullImage(
      docker,
      image,
      a && { serveraddress: a.server, username: a.username, password: a.password },
    );
    if (!(await this.tryCreate(docker, endpoints, binds))) {
      throw new ExecutorError(
        'image',
        `image ${image} is still missing after a successful pull`,
        true,
      );
    }
  }

  async start(signal?: AbortSignal, progress?: (message: string) => void): Promise<void> {
    const docker = await this.engine();
    try {
      await docker.getContainer(this.name).start();
    } catch (err) {
      // 304: already started (an adopted container); its health may still be pending.
      // The engine's other start errors (bad entrypoint, user, mounts) will not heal on retry.
      if (statusCode(err) !== 304) throw toExecutorError('start', err, isUnreachable(err));
    }
    // The container's own VIP balancing first: its health check may call other services.
    void this.attach().catch(() => undefined);
    await this.untilHealthy(signal ?? new AbortController().signal, progress);
  }

  /**
   * Like swarmkit's container adapter: a container with a health check is started only once
   * the engine reports it healthy. Unhealthy or exited meanwhile: stopped, a permanent failure.
   */
  private async untilHealthy(
    signal: AbortSignal,
    progress?: (message: string) => void,
  ): Promise<void> {
    let view;
    this.awaitingHealth = true;
    try {
      view = await waitHealthy(
        () => this.inspectInfo(),
        signal,
        () => progress?.(HEALTH_STARTING_MESSAGE),
      );
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (isExecutorError(err)) throw err;
      throw new ExecutorError('start', `container ${this.name} is gone`, false);
    }
    if (view.kind === 'none' || view.kind === 'healthy') {
      this.awaitingHealth = false;
      return;
    }
    if (view.kind === 'exited' && view.exitCode === 0) return; // wait() reports it complete
    if (view.kind === 'unhealthy') await this.stopUnhealthy();
    else await this.releaseFiles().catch(() => undefined);
    const error =
      view.kind === 'unhealthy'
        ? view.error
        : `task: non-zero exit (${view.exitCode})${view.error ? `: ${view.error}` : ''}`;
    throw new ExecutorError('start', error, false);
  }

  /** Stops a container whose health check failed while starting; no drain: it got no traffic. */
  private async stopUnhealthy(): Promise<void> {
    await this.stopContainer().catch(() => undefined);
    this.networking?.detach(this.task.id);
    await this.releaseFiles().catch(() => undefined);
  }

  /** SIGTERM, then SIGKILL after the task's grace period; done if stopped or gone already. */
  private async stopContainer(): Promise<void> {
    const t = stopTimeoutSeconds(this.task.spec.container.stopGracePeriodMs);
    await this.ignoring([304, 404], async (c) => c.stop({ t }));
  }

  async wait(signal: AbortSignal): Promise<ExitStatus> {
    signal.throwIfAborted();
    const docker = await this.engine();
    // Not awaited: VIP rules are applied beside the wait, so a desired-state change that aborts
    // the wait is never held up by the data plane.
    void this.attach().catch(() => undefined);
    // A container that turns unhealthy ends the wait at once: the task is reported FAILED while
    // its container still runs, so every node drops it from the traffic map first; the
    // container is stopped behind that (`retireUnhealthy`).
    const watch = new AbortController();
    const both = AbortSignal.any([signal, watch.signal]);
    const unhealthy = watchUnhealthy(() => this.inspectInfo(), both).then((error) =>
      error === undefined || watch.signal.aborted ? new Promise<never>(() => undefined) : error,
    );
    let exitCode: number;
    try {
      const exited = docker.getContainer(this.name).wait({ abortSignal: both }) as Promise<{
        StatusCode: number;
      }>;
      const first = await Promise.race([
        exited.then((r) => ({ exitCode: r.StatusCode })),
        unhealthy.then((error) => ({ error })),
      ]);
      if ('error' in first) {
        watch.abort();
        exited.catch(() => undefined);
        void this.retireUnhealthy();
        return { exitCode: UNHEALTHY_EXIT, error: first.error };
      }
      exitCode = first.exitCode;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (statusCode(err) === 404)
        throw new ExecutorError('runtime', `container ${this.name} is gone`, false);
      throw toExecutorError('runtime', err, isUnreachable(err));
    } finally {
      watch.abort();
    }
    // The container has exited: the task is over (a restart is a new task), so are its files.
    await this.releaseFiles().catch(() => undefined);
    if (exitCode === 0) return { exitCode, error: '' };
    const info = await this.inspectInfo().catch(() => undefined);
    const error = info === undefined ? '' : stateError(info.State);
    return { exitCode, error: error === '' ? `task: non-zero exit (${exitCode})` : error };
  }

  /**
   * Stops a container that failed its health check, once this node no longer sends it traffic
   * and the drain delay has passed (its task is already reported FAILED, which takes it out of
   * every node's map).
   */
  private async retireUnhealthy(): Promise<void> {
    try {
      const drain = this.networking?.drainMs(this.task) ?? 0;
      if (drain > 0) await this.networking?.whenUnserved?.(this.task.id);
      if (drain > 0) await new Promise((r) => setTimeout(r, drain));
      await this.stopContainer();
    } catch {
      // The container is gone or the engine is away: the task's removal cleans it up.
    }
    this.networking?.detach(this.task.id);
    await this.releaseFiles().catch(() => undefined);
  }

  async shutdown(): Promise<void> {
    // Every node has already stopped sending this task new connections (the map changed before
    // the stop was sent); give connections in flight time to finish before the signal.
    // The delay starts once this node itself has applied the map without the task (its own
    // ingress port may otherwise still send it connections when the delay is over).
    const drain = this.awaitingHealth ? 0 : (this.networking?.drainMs(this.task) ?? 0);
    if (drain > 0) await this.networking?.whenUnserved?.(this.task.id);
    if (drain > 0) await new Promise((r) => setTimeout(r, drain));
    await this.stopContainer();
    this.networking?.detach(this.task.id);
    await this.releaseFiles();
  }

  async terminate(): Promise<void> {
    this.networking?.detach(this.task.id);
    await this.ignoring([404, 409], async (c) => c.kill());
    await this.releaseFiles();
  }

  async remove(): Promise<void> {
    this.networking?.detach(this.task.id);
    await this.ignoring([404], async (c) => c.remove({ force: true, v: true }));
    await this.releaseFiles();
  }

  /** The task's secrets and configs in its own tmpfs; the binds that mount them. */
  private async prepareFiles(): Promise<string[]> {
    if (!this.files) return [];
    const list = taskFilesOf(this.task, this.files.payload);
    return list.length === 0 ? [] : this.files.store.prepare(this.task.id, list);
  }

  /** The task has ended: its secrets and configs go with it. */
  private async releaseFiles(): Promise<void> {
    const hasFiles = (this.task.spec.secrets?.length ?? 0) + (this.task.spec.configs?.length ?? 0);
    if (this.files && hasFiles > 0) await this.files.store.release(this.task.id);
  }

  private async endpoints(): Promise<TaskEndpoints | undefined> {
    if (!this.networking) return undefined;
    try {
      return await this.networking.endpoints(this.task, AbortSignal.timeout(30_000));
    } catch (err) {
      throw new ExecutorError('create', `networks not ready: ${(err as Error).message}`, true);
    }
  }

  /** Hands a running container's namespace to the data plane (again after a daemon restart). */
  private async attach(): Promise<void> {
    if (!this.networking || !this.task.networks?.length) return;
    const info = await this.inspectInfo();
    if (!info?.State.Running || !info.State.Pid) return;
    await this.networking.attach(this.task.id, info.State.Pid, this.task.networks);
  }

  /** Creates the container, or adopts this task's existing one. False when the image is missing. */
  private async tryCreate(
    docker: Docker,
    endpoints?: TaskEndpoints,
    binds: readonly string[] = [],
  ): Promise<boolean> {
    try {
      const created = await docker.createContainer(
        createOptions(this.task, this.nodeId, endpoints, binds),
      );
      await this.connectMore(docker, created.id, endpoints);
      return true;
    } catch (err) {
      const status = statusCode(err);
      if (status === 404) return false;
      if (status === 409 && (await this.ownsExistingContainer())) return true;
      throw toExecutorError('create', err);
    }
  }

  /** Networks after the first: connected before start, each with the task's address on it. */
  private async connectMore(docker: Docker, id: string, endpoints?: TaskEndpoints): Promise<void> {
    for (const n of endpoints?.networks.slice(1) ?? []) {
      try {
        await docker.getNetwork(n.name).connect({
          Container: id,
          EndpointConfig: { IPAMConfig: { IPv4Address: n.ip } },
        });
      } catch (err) {
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
        throw toExecutorError('create', err, true);
      }
    }
  }

  /** After a 409 name conflict: adopt the container if it carries this task's label. */
  private async ownsExistingContainer(): Promise<boolean> {
    const info = await this.inspectInfo();
    return info?.Config.Labels?.[CONTAINER_LABELS.task] === this.task.id;
  }

  private async inspectInfo(): Promise<ContainerInspectInfo | undefined> {
    const docker = await this.engine();
    try {
      return await docker.getContainer(this.name).inspect();
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw toExecutorError('runtime', err);
    }
  }

  /** Runs `op` on the container; the listed statuses mean the goal already holds. */
  private async ignoring(
    statuses: number[],
    op: (c: Docker.Container) => Promise<unknown>,
  ): Promise<void> {
    const docker = await this.engine();
    try {
      await op(docker.getContainer(this.name));
    } catch (err) {
      const status = statusCode(err);
      if (status !== undefined && statuses.includes(status)) return;
      throw toExecutorError('runtime', err);
    }
  }
}
