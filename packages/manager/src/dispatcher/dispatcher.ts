import {
  SwarmletError,
  type AgentMessage,
  type ManagerMessage,
  type NodeDescription,
  type SessionChannel,
  type SessionLogLine,
  type SessionLogOptions,
  type SessionVolume,
} from '@swarmlet/api-types';
import { newId, type MemoryStore } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';
import { AgentRequests, type VolumeOp } from './requests.js';
import { AgentSession } from './session.js';
import { StatusWriter } from './status-writer.js';

export interface DispatcherOptions {
  store: MemoryStore;
  log: Logger;
  /** Overrides the cluster's heartbeat period (tests). */
  heartbeatPeriodMs?: number;
  now?: () => number;
  /** How long a node has to start answering a logs or volumes request (default 5 s). */
  requestTimeoutMs?: number;
}

/** Missed heartbeat periods before a node is marked DOWN (swarmkit: 3). */
export const HEARTBEAT_GRACE_PERIODS = 3;
const DEFAULT_PERIOD_MS = 5_000;
/** Status message of a node waiting to reconnect to a new leader. */
export const LEADER_CHANGE_MESSAGE = 'leader changed: waiting for the node to reconnect';

/**
 * The dispatcher (leader only, swarmkit's manager/dispatcher): accepts agent sessions, marks
 * nodes READY on registration and DOWN after missed heartbeats, streams assignments, and writes
 * the task status agents report. Sessions arrive over any `SessionChannel` (in-process today,
 * mutual-TLS WebSocket in the cluster issue) carrying the same messages.
 *
 * At start (a new leader) every node not already DOWN is marked UNKNOWN, as swarmkit's
 * `markNodesUnknown` does: this leader has not heard from it, so it gets no new tasks, but its
 * tasks stay where they are. A node that does not register within the heartbeat grace
 * (`HEARTBEAT_GRACE_PERIODS` periods) is marked DOWN with "heartbeat failure", and only then does
 * the orchestrator move its tasks.
 */
export class Dispatcher {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly lastSeen = new Map<string, number>();
  private readonly status: StatusWriter;
  private readonly requests: AgentRequests;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: DispatcherOptions) {
    this.now = opts.now ?? Date.now;
    this.status = new StatusWriter(opts.store, opts.log);
    this.requests = new AgentRequests((nodeId, msg) => {
      const session = this.sessions.get(nodeId);
      if (!session) {
        throw new SwarmletError('UNAVAILABLE', 'has no session with the leader', {
          details: { nodeId },
        });
      }
      session.request(msg);
    }, opts.requestTimeoutMs);
  }

  /**
   * A task's log lines, read by the agent of `nodeId` (see `AgentRequests.logs`): UNAVAILABLE
   * when the node has no session or does not answer in time; stopping the iteration or
   * aborting `signal` cancels the agent's reader.
   */
  logs(
    nodeId: string,
    taskId: string,
    options: SessionLogOptions,
    signal: AbortSignal,
  ): AsyncIterable<SessionLogLine> {
    return this.requests.logs(nodeId, taskId, options, signal);
  }

  /** Lists or removes named volumes on a node, through its agent. */
  volumes(nodeId: string, op: VolumeOp): Promise<SessionVolume[]> {
    return this.requests.volumes(nodeId, op);
  }

  /** Requests waiting for agents (tests). */
  get pendingRequests(): number {
    return this.requests.size;
  }

  get heartbeatPeriodMs(): number {
    const fromCluster = this.opts.store.view(
      (tx) => tx.find('cluster')[0]?.spec.dispatcher.heartbeatPeriodMs,
    );
    return this.opts.heartbeatPeriodMs ?? fromCluster ?? DEFAULT_PERIOD_MS;
  }

  start(): void {
    this.stopped = false;
    const now = this.now();
    const ids = this.opts.store.view((tx) =>
      tx.find('node', (n) => n.status.state !== 'down').map((n) => n.id),
    );
    // Every node gets one grace window to reconnect to this leader. The write is queued before
    // any registration can be, so it never overwrites a node that has already come back.
    for (const id of ids) this.lastSeen.set(id, now);
    void this.markUnknown(ids);
    this.timer = setInterval(() => void this.expire(), Math.max(50, this.heartbeatPeriodMs / 2));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const s of this.sessions.values()) s.close('dispatcher stopped');
    this.sessions.clear();
    await this.status.drain();
  }

  /** Takes a new agent channel; the first message must be `register`. */
  accept(channel: SessionChannel<AgentMessage, ManagerMessage>): void {
    let session: AgentSession | undefined;
    channel.onMessage((msg) => {
      if (msg.type === 'register') {
        if (session) return;
        this.register(channel, msg.nodeId, msg.description)
          .then((s) => (session = s))
          .catch((err: unknown) => {
            channel.send({ type: 'error', message: (err as Error).message });
            channel.close('registration failed');
          });
        return;
      }
      if (!session) return;
      if (msg.type === 'heartbeat') this.heartbeat(session.nodeId);
      else if (msg.type === 'status') this.status.enqueue(session.nodeId, msg.updates);
      else this.requests.reply(session.nodeId, msg);
    });
    channel.onClose((reason) => {
      if (session && this.sessions.get(session.nodeId) === session) {
        this.sessions.delete(session.nodeId);
        this.requests.sessionClosed(session.nodeId, reason);
      }
    });
  }

  private async register(
    channel: SessionChannel<AgentMessage, ManagerMessage>,
    nodeId: string,
    description: NodeDescription,
  ): Promise<AgentSession> {
    if (this.stopped) throw new Error('dispatcher is stopping');
    await this.opts.store.update((tx) => {
      const node = tx.get('node', nodeId);
      if (!node) throw new Error(`unknown node ${nodeId}: it must join the cluster first`);
      tx.update('node', {
        ...node,
        description,
        status: { ...node.status, state: 'ready', message: '' },
      });
    });
    this.sessions.get(nodeId)?.close('replaced by a new session');
    const session = new AgentSession(newId(), nodeId, channel, this.opts.store, this.opts.log);
    this.sessions.set(nodeId, session);
    this.lastSeen.set(nodeId, this.now());
    channel.send({
      type: 'session',
      sessionId: session.sessionId,
      nodeId,
      heartbeatPeriodMs: this.heartbeatPeriodMs,
    });
    void session.stream();
    this.opts.log.info({ nodeId, sessionId: session.sessionId }, 'agent session started');
    return session;
  }

  private heartbeat(nodeId: string): void {
    this.lastSeen.set(nodeId, this.now());
    const node = this.opts.store.view((tx) => tx.get('node', nodeId));
    if (node && node.status.state !== 'ready') void this.setNodeState(nodeId, 'ready', '');
  }

  private async markUnknown(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.opts.store.batch((b) => {
        for (const id of ids) {
          b.update((tx) => {
            const node = tx.get('node', id);
            if (!node || this.sessions.has(id)) return;
            if (node.status.state === 'down' || node.status.state === 'unknown') return;
            const status = {
              ...node.status,
              state: 'unknown' as const,
              message: LEADER_CHANGE_MESSAGE,
            };
            tx.update('node', { ...node, status });
          });
        }
      });
    } catch (err) {
      this.opts.log.warn({ err }, 'marking nodes unknown failed');
    }
  }

  private async expire(): Promise<void> {
    const deadline = this.now() - HEARTBEAT_GRACE_PERIODS * this.heartbeatPeriodMs;
    for (const [nodeId, seen] of this.lastSeen) {
      if (seen >= deadline) continue;
      this.lastSeen.delete(nodeId);
      this.sessions.get(nodeId)?.close('heartbeat expired');
      this.sessions.delete(nodeId);
      this.opts.log.warn({ nodeId }, 'node missed its heartbeats: marking it down');
      await this.setNodeState(nodeId, 'down', 'heartbeat failure');
    }
  }

  private async setNodeState(
    nodeId: string,
    state: 'ready' | 'down',
    message: string,
  ): Promise<void> {
    try {
      await this.opts.store.update((tx) => {
        const node = tx.get('node', nodeId);
        if (node && node.status.state !== state)
          tx.update('node', { ...node, status: { ...node.status, state, message } });
      });
    } catch (err) {
      this.opts.log.warn({ err, nodeId }, 'updating node state failed');
    }
  }
}
