import type { RaftCore } from '../core/raft-core.js';
import { NO_NODE, type ReadState } from '../types.js';
import { wrap } from './envelope.js';
import { NodeErrorCode, NotLeaderError, RaftNodeError } from './errors.js';
import { deferred } from './waiters.js';

interface ReadWaiter {
  resolve(index: number): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
  /** Set once the leader answered with a read index. */
  index?: number;
}

/**
 * ReadIndex requests of one node: queued until the loop hands them to the
 * core, then matched to `ReadState`s by their unique context, then resolved
 * once the node has applied through the read index. Each request rejects
 * with code 'timeout' after `timeoutMs`.
 */
export class ReadTracker {
  private queue: ReadWaiter[] = [];
  private readonly inflight = new Map<string, ReadWaiter>();
  private seq = 0;

  constructor(
    private readonly tag: string,
    private readonly timeoutMs: number,
  ) {}

  /** True if requests wait to be handed to the core. */
  get queued(): boolean {
    return this.queue.length > 0;
  }

  /** Registers a read; the promise settles as described on the class. */
  request(): Promise<number> {
    const { promise, waiter } = deferred<number>();
    const rw: ReadWaiter = { ...waiter, timer: setTimeout(() => this.expire(rw), this.timeoutMs) };
    this.queue.push(rw);
    return promise;
  }

  /** Hands queued reads to the core; without a known leader they fail fast with `NotLeaderError`. */
  feed(core: RaftCore, lead: string): void {
    const batch = this.queue;
    this.queue = [];
    for (const rw of batch) {
      if (lead === NO_NODE) {
        clearTimeout(rw.timer);
        rw.reject(new NotLeaderError(NO_NODE));
        continue;
      }
      const ctx = wrap(this.tag, ++this.seq, new Uint8Array(0));
      this.inflight.set(Buffer.from(ctx).toString('base64'), rw);
      core.readIndex(ctx);
    }
  }

  /** Records the read indexes the core returned. */
  onReadStates(states: readonly ReadState[]): void {
    for (const rs of states) {
      const w = this.inflight.get(Buffer.from(rs.requestCtx).toString('base64'));
      if (w !== undefined) w.index = rs.index;
    }
  }

  /** Resolves every read whose index is ≤ `applied`. */
  serve(applied: number): void {
    for (const [key, w] of this.inflight) {
      if (w.index !== undefined && w.index <= applied) {
        this.inflight.delete(key);
        clearTimeout(w.timer);
        w.resolve(w.index);
      }
    }
  }

  /** Rejects every pending read with `err`. */
  rejectAll(err: unknown): void {
    const all = [...this.inflight.values(), ...this.queue];
    this.inflight.clear();
    this.queue = [];
    for (const w of all) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private expire(rw: ReadWaiter): void {
    for (const [key, w] of this.inflight) if (w === rw) this.inflight.delete(key);
    this.queue = this.queue.filter((w) => w !== rw);
    rw.reject(new RaftNodeError(NodeErrorCode.Timeout, 'read index timed out'));
  }
}
