import { SwarmletError, type ClusterEvent, type EventStreamItem } from '@swarmlet/api-types';

type Result = IteratorResult<EventStreamItem>;

/**
 * One reader of the event log: first the replayed items (a notice, then retained events), then
 * live events pushed by the log. Live events wait in a queue bounded by `backlog`, checked as
 * each commit starts (one commit's events always go in whole, so a big commit does not drop a
 * reader that was keeping up): a reader still further behind is dropped, its iterator rejecting with UNAVAILABLE (naming the
 * last event it got, to resume from), so a stalled client never grows the manager's memory.
 * `finish()` ends the stream after what is queued (`until` reached); `close()` drops it at once.
 */
export class EventSubscription implements AsyncIterableIterator<EventStreamItem> {
  private replayAt = 0;
  private readonly live: ClusterEvent[] = [];
  private waiter: { resolve: (r: Result) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private closed = false;
  private error: unknown;
  private lastId = '';

  constructor(
    private readonly replay: readonly EventStreamItem[],
    private readonly backlog: number,
    private readonly onClose: (s: EventSubscription) => void,
  ) {}

  /** True once the reader closed or was dropped: the log stops pushing. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a live event (the log already applied the filters). */
  push(ev: ClusterEvent): void {
    if (this.closed || this.ended) return;
    if (this.waiter && this.replayAt >= this.replay.length) {
      this.deliver({ value: this.note({ kind: 'event', event: ev }), done: false });
      return;
    }
    this.live.push(ev);
  }

  /** Called before a commit's events are pushed: drops the reader if it is too far behind. */
  checkBacklog(): void {
    if (!this.closed && !this.ended && this.live.length > this.backlog) this.drop();
  }

  /** Ends the stream once the queued items are read. */
  finish(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    if (this.waiter && this.replayAt >= this.replay.length && this.live.length === 0) {
      this.detach();
      this.deliver({ value: undefined, done: true });
    }
  }

  next(): Promise<Result> {
    const item = this.take();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.closed || this.ended) {
      this.detach();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<Result> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EventStreamItem> {
    return this;
  }

  /** Stops the stream now; queued items are dropped. */
  close(): void {
    if (this.closed) return;
    this.live.length = 0;
    this.replayAt = this.replay.length;
    this.detach();
    this.deliver({ value: undefined, done: true });
  }

  private take(): EventStreamItem | undefined {
    if (this.replayAt < this.replay.length) return this.note(this.replay[this.replayAt++]!);
    const ev = this.live.shift();
    return ev ? this.note({ kind: 'event', event: ev }) : undefined;
  }

  private note(item: EventStreamItem): EventStreamItem {
    if (item.kind === 'event') this.lastId = item.event.id;
    return item;
  }

  private drop(): void {
    const resume = this.lastId ? `; resume with Last-Event-ID ${this.lastId}` : '';
    this.error = new SwarmletError(
      'UNAVAILABLE',
      `event stream dropped: the reader fell more than ${this.backlog} events behind${resume}`,
    );
    this.live.length = 0;
    this.replayAt = this.replay.length;
    this.detach();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.error);
  }

  private detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }

  private deliver(r: Result): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve(r);
  }
}
