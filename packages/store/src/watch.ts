import { SwarmletError } from '@swarmlet/api-types';
import type { ObjectByKind, ObjectKind } from './kinds.js';

/** An object change, emitted after its transaction committed. `old` is the previous version. */
export type ObjectEvent = {
  [K in ObjectKind]: {
    type: 'object';
    kind: K;
    op: 'create' | 'update' | 'delete';
    object: ObjectByKind[K];
    old: ObjectByKind[K] | undefined;
  };
}[ObjectKind];

/** Emitted once after all object events of one committed transaction. */
export interface CommitEvent {
  type: 'commit';
  version: number;
}

export type StoreEvent = ObjectEvent | CommitEvent;

export interface WatchOptions {
  /** Kinds to receive; all when omitted. Commit events are always delivered. */
  kinds?: readonly ObjectKind[];
  /** Extra filter on object events. */
  filter?: (ev: ObjectEvent) => boolean;
  /** Ends the watch; the iterator finishes cleanly. */
  signal?: AbortSignal;
  /**
   * Events buffered before the watcher is considered too slow. On overflow the iterator throws
   * a SwarmletError('UNAVAILABLE'); the consumer re-reads the store and watches again.
   */
  limit?: number;
}

/**
 * A bounded queue feeding one async iterator. The store pushes synchronously while applying a
 * commit, so a watcher never misses an event between its registration and its first read.
 */
export class WatchQueue implements AsyncIterableIterator<StoreEvent> {
  private readonly buf: StoreEvent[] = [];
  private waiter: ((r: IteratorResult<StoreEvent>) => void) | undefined;
  private failWaiter: ((e: unknown) => void) | undefined;
  private closed = false;
  private error: unknown;

  constructor(
    private readonly opts: WatchOptions,
    private readonly onClose: (q: WatchQueue) => void,
  ) {
    opts.signal?.addEventListener('abort', () => this.close(), { once: true });
    if (opts.signal?.aborted) this.close();
  }

  /** Called by the store for every event; drops what the watcher did not ask for. */
  push(ev: StoreEvent): void {
    if (this.closed) return;
    if (ev.type === 'object') {
      if (this.opts.kinds && !this.opts.kinds.includes(ev.kind)) return;
      if (this.opts.filter && !this.opts.filter(ev)) return;
    }
    if (this.waiter) {
      const w = this.waiter;
      this.clearWaiters();
      w({ value: ev, done: false });
      return;
    }
    this.buf.push(ev);
    if (this.buf.length > (this.opts.limit ?? 100_000)) {
      this.fail(
        new SwarmletError('UNAVAILABLE', 'watch queue overflowed: the consumer is too slow'),
      );
    }
  }

  next(): Promise<IteratorResult<StoreEvent>> {
    const ev = this.buf.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  /** Drains every buffered event without waiting. */
  drain(): StoreEvent[] {
    return this.buf.splice(0);
  }

  return(): Promise<IteratorResult<StoreEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StoreEvent> {
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buf.length = 0;
    this.onClose(this);
    const w = this.waiter;
    this.clearWaiters();
    w?.({ value: undefined, done: true });
  }

  private fail(err: unknown): void {
    this.error = err;
    this.buf.length = 0;
    this.closed = true;
    this.onClose(this);
    const f = this.failWaiter;
    this.clearWaiters();
    f?.(err);
  }

  private clearWaiters(): void {
    this.waiter = undefined;
    this.failWaiter = undefined;
  }
}
