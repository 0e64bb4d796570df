import {
  SwarmletError,
  type AgentReply,
  type ManagerRequest,
  type SessionLogLine,
  type SessionLogOptions,
  type SessionVolume,
} from '@swarmlet/api-types';
import { newId } from '@swarmlet/store';

/** How long a node has to start answering a request before it counts as not answering. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** Sends a request on the node's current session; throws UNAVAILABLE when it has none. */
export type SendTo = (nodeId: string, msg: ManagerRequest) => void;

/** `volumes(nodeId, request)`: list answers the volumes, remove answers nothing. */
export type VolumeOp = { op: 'list' } | { op: 'remove'; name: string };

interface Pending {
  nodeId: string;
  /** A reply (or the end of the session, as an error) for this request. */
  deliver(reply: AgentReply | { type: 'failed'; error: string }): void;
}

/**
 * Requests the leader makes of agents over their sessions, matched to replies by request id:
 * a timeout when the node does not answer, an error when its session ends meanwhile, and a
 * `logs-cancel` sent when the reader of a log stream goes away.
 */
export class AgentRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly send: SendTo,
    private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {}

  /** Routes an agent's reply; replies to unknown (finished) requests are dropped. */
  reply(nodeId: string, msg: AgentReply): void {
    const p = this.pending.get(msg.requestId);
    if (p && p.nodeId === nodeId) p.deliver(msg);
  }

  /** The node's session ended: its requests fail now rather than at their timeout. */
  sessionClosed(nodeId: string, reason: string): void {
    for (const p of [...this.pending.values()]) {
      if (p.nodeId === nodeId) p.deliver({ type: 'failed', error: `session closed (${reason})` });
    }
  }

  /** Requests in flight (tests: nothing may leak). */
  get size(): number {
    return this.pending.size;
  }

  async volumes(nodeId: string, op: VolumeOp): Promise<SessionVolume[]> {
    const requestId = newId();
    return new Promise<SessionVolume[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(notAnswering(nodeId, this.timeoutMs));
      }, this.timeoutMs);
      this.pending.set(requestId, {
        nodeId,
        deliver: (r) => {
          clearTimeout(timer);
          this.pending.delete(requestId);
          if (r.type === 'failed') reject(unavailable(nodeId, r.error));
          else if (r.type !== 'volumes-result') reject(unavailable(nodeId, `unexpected ${r.type}`));
          else if (r.error !== undefined) reject(new SwarmletError('FAILED_PRECONDITION', r.error));
          else resolve(r.volumes ?? []);
        },
      });
      try {
        this.send(nodeId, { type: 'volumes', requestId, ...op });
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(err);
      }
    });
  }

  /**
   * A task's log lines from its node. Throws UNAVAILABLE if the node has no session or does not
   * start answering within the timeout, or if its session ends mid-stream; the agent's own read
   * error (no container...) is FAILED_PRECONDITION. Ending the iteration early or aborting
   * `signal` cancels the agent's reader.
   */
  async *logs(
    nodeId: string,
    taskId: string,
    options: SessionLogOptions,
    signal: AbortSignal,
  ): AsyncGenerator<SessionLogLine> {
    const requestId = newId();
    const inbox = new Inbox();
    this.pending.set(requestId, { nodeId, deliver: (r) => inbox.push(r) });
    const onAbort = (): void => inbox.push({ type: 'failed', error: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    let ended = false;
    let answered = false;
    const timer = setTimeout(() => {
      if (!answered) inbox.push({ type: 'failed', error: 'timeout' });
    }, this.timeoutMs);
    try {
      this.send(nodeId, { type: 'logs', requestId, taskId, options });
      while (!signal.aborted) {
        const r = await inbox.next();
        if (signal.aborted) return;
        if (r.type === 'failed') {
          ended = true;
          if (r.error === 'timeout') throw notAnswering(nodeId, this.timeoutMs);
          throw unavailable(nodeId, r.error);
        }
        answered = true;
        if (r.type === 'logs-data') yield* r.lines;
        else if (r.type === 'logs-end') {
          ended = true;
          if (r.error !== undefined) throw new SwarmletError('FAILED_PRECONDITION', r.error);
          return;
        }
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      this.pending.delete(requestId);
      if (!ended) this.cancel(nodeId, requestId);
    }
  }

  private cancel(nodeId: string, requestId: string): void {
    try {
      this.send(nodeId, { type: 'logs-cancel', requestId });
    } catch {
      // No session any more: its agent already stopped the reader.
    }
  }
}

type Delivery = AgentReply | { type: 'failed'; error: string };

/** An unbounded FIFO of replies with one waiting reader. */
class Inbox {
  private readonly items: Delivery[] = [];
  private waiter: (() => void) | undefined;

  push(d: Delivery): void {
    this.items.push(d);
    this.waiter?.();
  }

  async next(): Promise<Delivery> {
    while (this.items.length === 0) {
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
    return this.items.shift() as Delivery;
  }
}

/** Errors name what happened, not the node: callers add the node's name. */
function notAnswering(nodeId: string, ms: number): SwarmletError {
  return new SwarmletError('UNAVAILABLE', `did not answer within ${ms / 1000}s`, {
    details: { nodeId },
  });
}

function unavailable(nodeId: string, why: string): SwarmletError {
  return new SwarmletError('UNAVAILABLE', why, { details: { nodeId } });
}
