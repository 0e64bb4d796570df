import type {
  AgentMessage,
  AssignmentChange,
  Logger,
  ManagerMessage,
  NetMap,
  SessionChannel,
  Task,
  TaskFilesPayload,
  TaskStatus,
} from '@swarmlet/api-types';
import type { Executor } from './executor.js';
import { RequestServer } from './requests.js';
import { Semaphore } from './semaphore.js';
import { TaskRunner } from './task-runner.js';

export interface AgentOptions {
  nodeId: string;
  executor: Executor;
  /** Opens a session channel to the leader's dispatcher. */
  connect: () => Promise<SessionChannel<ManagerMessage, AgentMessage>>;
  log: Logger;
  /** Tasks preparing or starting at once (engine calls in flight). */
  engineConcurrency?: number;
  /** The data plane's view, each time the leader sends a new one. */
  onNetMap?: (map: NetMap) => void;
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * The worker side (swarmkit's agent): keeps a session with the dispatcher, runs a `TaskRunner`
 * per assigned task, reports status in coalesced batches, and heartbeats. On a full assignment
 * set it adopts existing containers of known tasks (their runners re-run idempotent steps) and
 * removes managed containers of tasks it was not given. Stopping the agent leaves containers
 * running, like dockerd's live-restore.
 */
export class Agent {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly pending = new Map<string, TaskStatus>();
  private readonly engineSlots: Semaphore;
  private readonly requests: RequestServer;
  private channel: SessionChannel<ManagerMessage, AgentMessage> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private sessionEnded: (() => void) | undefined;
  /** The cluster's heartbeat period, learned from the last session. */
  private heartbeatPeriodMs = RECONNECT_MAX_MS;

  constructor(private readonly opts: AgentOptions) {
    this.engineSlots = new Semaphore(opts.engineConcurrency ?? 16);
    this.requests = new RequestServer(opts.executor, opts.nodeId, opts.log);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the session and the runners; containers keep running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.channel?.close('agent stopping');
    this.sessionEnded?.();
    await this.loop;
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }

  /** Task ids this agent currently drives (tests and diagnostics). */
  taskIds(): string[] {
    return [...this.runners.keys()];
  }

  private async run(): Promise<void> {
    let backoff = RECONNECT_MIN_MS;
    while (!this.stopped) {
      try {
        await this.session();
        backoff = RECONNECT_MIN_MS;
      } catch (err) {
        this.opts.log.warn({ err }, 'agent session failed');
      }
      clearInterval(this.heartbeat);
      this.channel = undefined;
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, backoff));
      // Never back off longer than a heartbeat period: a new leader gives nodes 3 periods to
      // come back before it moves their tasks.
      backoff = Math.min(backoff * 2, RECONNECT_MAX_MS, this.heartbeatPeriodMs);
    }
  }

  private async session(): Promise<void> {
    const channel = await this.opts.connect();
    const ended = new Promise<void>((resolve) => {
      this.sessionEnded = resolve;
      channel.onClose((reason) => {
        this.opts.log.info({ reason }, 'agent session closed');
        this.requests.closeAll();
        resolve();
      });
    });
    channel.onMessage((msg) => this.onMessage(channel, msg));
    this.channel = channel;
    const description = await this.opts.executor.describe();
    channel.send({ type: 'register', nodeId: this.opts.nodeId, description });
    await ended;
  }

  private onMessage(
    channel: SessionChannel<ManagerMessage, AgentMessage>,
    msg: ManagerMessage,
  ): void {
    switch (msg.type) {
      case 'session':
        this.heartbeatPeriodMs = Math.max(RECONNECT_MIN_MS, msg.heartbeatPeriodMs);
        this.startHeartbeat(channel, msg.heartbeatPeriodMs);
        return;
      case 'assignments':
        if (msg.full) this.applyFull(msg.changes);
        else for (const c of msg.changes) this.applyChange(c);
        return;
      case 'netmap':
        this.opts.onNetMap?.(msg.map);
        return;
      case 'configs':
        void this.opts.executor
          .updateConfigs?.(msg.configs)
          .catch((err: unknown) => this.opts.log.warn({ err }, 'updating configs failed'));
        return;
      case 'error':
        this.opts.log.error({ error: msg.message }, 'manager refused the session');
        return;
      case 'logs':
      case 'logs-cancel':
      case 'volumes':
        this.requests.handle(channel, msg);
        return;
    }
  }

  private startHeartbeat(
    channel: SessionChannel<ManagerMessage, AgentMessage>,
    periodMs: number,
  ): void {
    clearInterval(this.heartbeat);
    // Slightly early with jitter, so a heartbeat is never late by design (swarmkit does the same).
    const every = Math.max(20, Math.round(periodMs * (0.75 + Math.random() * 0.15)));
    this.heartbeat = setInterval(() => channel.send({ type: 'heartbeat' }), every);
    this.heartbeat.unref();
  }

  private applyFull(changes: AssignmentChange[]): void {
    const given = new Set<string>();
    for (const c of changes) {
      if (c.action !== 'update') continue;
      given.add(c.task.id);
      this.applyChange(c);
    }
    for (const id of this.runners.keys())
      if (!given.has(id)) this.applyChange({ action: 'remove', taskId: id });
    // Our own view may be ahead of the manager's (status sent while disconnected): resend it.
    for (const [id, r] of this.runners) this.report(id, r.current);
    void this.removeOrphans();
  }

  private applyChange(c: AssignmentChange): void {
    if (c.action === 'update') {
      const existing = this.runners.get(c.task.id);
      if (existing) return existing.update(c.task);
      this.startRunner(c.task, c.files);
      return;
    }
    const runner = this.runners.get(c.taskId);
    if (!runner) return;
    this.runners.delete(c.taskId);
    void this.removeTask(c.taskId, runner);
  }

  private startRunner(task: Task, files?: TaskFilesPayload): void {
    const runner = new TaskRunner(task, {
      ctlr: this.opts.executor.controller(task, files),
      report: (id, status) => this.report(id, status),
      engineSlots: this.engineSlots,
      onError: (id, error) =>
        this.opts.log.warn({ taskId: id, error }, 'task step failed; retrying'),
    });
    this.runners.set(task.id, runner);
    runner.start();
  }

  private async removeTask(taskId: string, runner: TaskRunner): Promise<void> {
    await runner.stop();
    try {
      const owned = (await this.opts.executor.list()).filter((c) => c.taskId === taskId);
      for (const c of owned) await this.opts.executor.removeContainer(c.containerId);
    } catch (err) {
      this.opts.log.warn({ err, taskId }, 'removing task container failed');
    }
  }

  /** Removes managed containers on this node whose task we do not drive. */
  private async removeOrphans(): Promise<void> {
    try {
      for (const c of await this.opts.executor.list()) {
        if (c.nodeId !== this.opts.nodeId || this.runners.has(c.taskId)) continue;
        this.opts.log.info(
          { taskId: c.taskId, containerId: c.containerId },
          'removing orphaned container',
        );
        await this.opts.executor.removeContainer(c.containerId);
      }
      await this.opts.executor.pruneTaskFiles?.([...this.runners.keys()]);
    } catch (err) {
      this.opts.log.warn({ err }, 'orphan sweep failed');
    }
  }

  private report(taskId: string, status: TaskStatus): void {
    this.pending.set(taskId, status);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.channel || this.pending.size === 0) return;
    const updates = [...this.pending].map(([taskId, status]) => ({ taskId, status }));
    this.pending.clear();
    this.channel.send({ type: 'status', updates });
  }
}
