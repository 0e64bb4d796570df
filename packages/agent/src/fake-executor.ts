import type { NodeDescription, Task } from '@swarmlet/api-types';
import {
  ExecutorError,
  type ContainerState,
  type Executor,
  type ExitStatus,
  type LogLine,
  type LogOptions,
  type ManagedContainer,
  type TaskController,
  type VolumeInfo,
} from './executor.js';
import { FakeLogs } from './fake-logs.js';

interface FakeContainer {
  id: string;
  task: Task;
  running: boolean;
  exitCode: number | undefined;
  waiters: ((s: ExitStatus) => void)[];
}

export interface FakeExecutorOptions {
  nodeId: string;
  hostname?: string;
  resources?: { nanoCpus: number; memoryBytes: number };
  /** Images whose pull fails permanently, with this message. */
  missingImages?: ReadonlyMap<string, string>;
  /** Delay of prepare/start calls, to model a slow engine. */
  latencyMs?: number;
}

/**
 * An in-memory `Executor` for control-plane tests and scale simulations: containers are
 * records, `exit()` ends one, and everything the agent does is observable. It keeps the same
 * idempotency contract as the Docker executor (see the shared contract suite).
 */
export class FakeExecutor implements Executor {
  readonly containers = new Map<string, FakeContainer>();
  /** Log lines per task: `appendLog` adds one, `logs()` reads them. */
  readonly logLines = new FakeLogs();
  /** Named volumes of the node, by name (tests add them). */
  readonly volumes = new Map<string, VolumeInfo>();
  private seq = 0;

  constructor(private readonly opts: FakeExecutorOptions) {}

  async describe(): Promise<NodeDescription> {
    return {
      hostname: this.opts.hostname ?? `fake-${this.opts.nodeId.slice(0, 6)}`,
      platform: { os: 'linux', arch: 'x86_64' },
      resources: this.opts.resources ?? { nanoCpus: 2e9, memoryBytes: 4 * 1024 ** 3 },
      engine: { version: 'fake', labels: {} },
    };
  }

  controller(task: Task): TaskController {
    return new FakeController(this, task);
  }

  async list(): Promise<ManagedContainer[]> {
    return [...this.containers.values()].map((c) => ({
      containerId: c.id,
      taskId: c.task.id,
      serviceId: c.task.serviceId,
      nodeId: c.task.nodeId,
      running: c.running,
    }));
  }

  async removeContainer(containerId: string): Promise<void> {
    this.containers.delete(containerId);
  }

  /** Appends a line to a task's log (followers see it at once). */
  appendLog(taskId: string, text: string, stream: LogLine['stream'] = 'stdout'): LogLine {
    return this.logLines.append(taskId, text, stream);
  }

  logs(taskId: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<LogLine> {
    if (!this.byTask(taskId))
      throw new ExecutorError('runtime', `no container for task ${taskId}`, false);
    return this.logLines.read(taskId, opts, signal, () => this.byTask(taskId)?.running === true);
  }

  async listVolumes(): Promise<VolumeInfo[]> {
    return [...this.volumes.values()].map((v) => ({ ...v, labels: { ...v.labels } }));
  }

  async removeVolume(name: string): Promise<void> {
    const v = this.volumes.get(name);
    if (!v) throw new ExecutorError('runtime', `no such volume: ${name}`, false);
    if (v.inUse) throw new ExecutorError('runtime', `remove ${name}: volume is in use`, false);
    this.volumes.delete(name);
  }

  /** The container of a task, if one exists. */
  byTask(taskId: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.task.id === taskId);
  }

  /** Simulates a container exiting (a crash, `docker kill`, or a job finishing). */
  exit(taskId: string, exitCode: number): void {
    const c = this.byTask(taskId);
    if (!c || !c.running) return;
    c.running = false;
    c.exitCode = exitCode;
    for (const w of c.waiters.splice(0)) w({ exitCode, error: '' });
    this.logLines.wake(taskId);
  }

  running(): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.running);
  }

  /** @internal */
  async delay(): Promise<void> {
    if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
  }

  /** @internal */
  create(task: Task): FakeContainer {
    const missing = this.opts.missingImages?.get(task.spec.container.image);
    if (missing !== undefined) throw new ExecutorError('image', missing, false);
    const c: FakeContainer = {
      id: `c${++this.seq}`,
      task,
      running: false,
      exitCode: undefined,
      waiters: [],
    };
    this.containers.set(c.id, c);
    return c;
  }
}

class FakeController implements TaskController {
  constructor(
    private readonly exec: FakeExecutor,
    private readonly task: Task,
  ) {}

  async inspect(): Promise<ContainerState | undefined> {
    const c = this.exec.byTask(this.task.id);
    return c && { containerId: c.id, running: c.running, exitCode: c.exitCode, error: '' };
  }

  async prepare(): Promise<void> {
    await this.exec.delay();
    if (!this.exec.byTask(this.task.id)) this.exec.create(this.task);
  }

  async start(): Promise<void> {
    await this.exec.delay();
    const c = this.need();
    if (c.exitCode === undefined) c.running = true;
  }

  wait(signal: AbortSignal): Promise<ExitStatus> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const c = this.need();
    if (!c.running) return Promise.resolve({ exitCode: c.exitCode ?? 0, error: '' });
    return new Promise((resolve, reject) => {
      c.waiters.push(resolve);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  async shutdown(): Promise<void> {
    const c = this.exec.byTask(this.task.id);
    if (c?.running) this.exec.exit(this.task.id, 0);
  }

  async terminate(): Promise<void> {
    const c = this.exec.byTask(this.task.id);
    if (c?.running) this.exec.exit(this.task.id, 137);
  }

  async remove(): Promise<void> {
    const c = this.exec.byTask(this.task.id);
    if (c) this.exec.containers.delete(c.id);
  }

  private need(): FakeContainer {
    const c = this.exec.byTask(this.task.id);
    if (!c) throw new ExecutorError('runtime', `no such container for task ${this.task.id}`, false);
    return c;
  }
}
