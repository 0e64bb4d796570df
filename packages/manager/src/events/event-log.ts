import {
  compareEventIds,
  matchesEventFilters,
  parseEventId,
  parseEventTime,
  SwarmletError,
  validateEventFilters,
  type ClusterEvent,
  type EventsRequest,
  type EventStreamItem,
} from '@swarmlet/api-types';
import type { ObjectEvent, StoreEvent } from '@swarmlet/store';
import { toClusterEvent } from './map.js';
import { EventRing } from './ring.js';
import { EventSubscription } from './subscription.js';

export interface EventLogOptions {
  /** Events retained for `since` and resumption (default 10,000). */
  capacity?: number;
  /**
   * Live events one reader may have waiting when a new commit arrives before it is dropped
   * (default 20,000): its memory is bounded by this plus one commit's events.
   */
  backlog?: number;
  /** Clock: removal times, the log's start, `until` (tests inject one). */
  now?: () => Date;
  /** Timer for `until` in the future (tests inject one). */
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

/** Position before which events may be missing: nothing at or before it is guaranteed. */
interface Floor {
  index: number;
  seq: number;
  time: Date;
}

const AFTER_ALL = Number.MAX_SAFE_INTEGER;

function defaultTimer(fn: () => void, ms: number): { cancel(): void } {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}

/**
 * The cluster events of one manager (`swarmlet events`): fed the store's committed changes in
 * order (`apply`), it maps them to events with ids `<store index>-<n>`, keeps the last
 * `capacity` in a ring and pushes each to the matching subscribers. It only knows what this
 * manager applied after the log was created: anything earlier, evicted, or skipped by a gap
 * (a Raft snapshot installed, a lost watch) is behind its floor, and a reader asking for it
 * first gets a notice saying so. No IO besides the `until` timer.
 */
export class EventLog {
  private readonly ring: EventRing;
  private readonly subs = new Set<{
    sub: EventSubscription;
    accept: (e: ClusterEvent) => boolean;
  }>();
  private pending: ObjectEvent[] = [];
  private lastIndex: number;
  private floor: Floor;
  private readonly now: () => Date;
  private readonly backlog: number;
  private readonly setTimer: NonNullable<EventLogOptions['setTimer']>;

  /** `startIndex`: the store version when the log starts following it. */
  constructor(startIndex: number, opts: EventLogOptions = {}) {
    this.ring = new EventRing(opts.capacity ?? 10_000);
    this.now = opts.now ?? (() => new Date());
    this.backlog = opts.backlog ?? 20_000;
    this.setTimer = opts.setTimer ?? defaultTimer;
    this.lastIndex = startIndex;
    this.floor = { index: startIndex, seq: AFTER_ALL, time: this.now() };
  }

  /** Retained events, oldest first. */
  retained(): ClusterEvent[] {
    return this.ring.toArray();
  }

  /** Feeds one store event: object events wait for their transaction's commit event. */
  apply(ev: StoreEvent): void {
    if (ev.type === 'object') {
      this.pending.push(ev);
      return;
    }
    const changes = this.pending;
    this.pending = [];
    if (ev.version <= this.lastIndex) return;
    if (ev.version !== this.lastIndex + 1) this.gap(ev.version - 1);
    this.lastIndex = ev.version;
    const removedAt = this.now();
    for (const { sub } of this.subs) sub.checkBacklog();
    let seq = 0;
    for (const change of changes) {
      const event = toClusterEvent(change, `${ev.version}-${seq}`, removedAt);
      if (!event) continue;
      seq++;
      this.append(event);
    }
  }

  /**
   * Changes up to `index` were (or may have been) missed: the ring is cleared and readers
   * asking for anything before that are told. The next commit applied must be `index + 1`.
   */
  gap(index: number): void {
    this.pending = [];
    this.ring.clear();
    this.lastIndex = Math.max(this.lastIndex, index);
    this.floor = { index: this.lastIndex, seq: AFTER_ALL, time: this.now() };
  }

  /**
   * Opens a stream for `req`; throws INVALID_ARGUMENT for bad filters, times or ids. Replays
   * retained events after `lastEventId` or from `since`, then follows live ones until `until`.
   */
  subscribe(req: EventsRequest, signal?: AbortSignal): EventSubscription {
    validateEventFilters(req.filters);
    const since = req.since === undefined ? undefined : parseEventTime(req.since, 'since');
    const until = req.until === undefined ? undefined : parseEventTime(req.until, 'until');
    const after = req.lastEventId === undefined ? undefined : parseLastId(req.lastEventId);
    // Live events too are skipped up to `after`: a client resuming on a manager that is behind
    // the one it read from gets no duplicates.
    const accept = (e: ClusterEvent): boolean =>
      matchesEventFilters(e, req.filters) &&
      (!until || Date.parse(e.time) <= until.getTime()) &&
      (!after || compareEventIds(parseEventId(e.id)!, after) > 0);
    const replay: EventStreamItem[] = [];
    const notice = this.notice(after, since);
    if (notice) replay.push({ kind: 'notice', message: notice });
    for (const event of this.ring.toArray()) {
      const id = parseEventId(event.id)!;
      if (
        after ? compareEventIds(id, after) <= 0 : !since || Date.parse(event.time) < since.getTime()
      )
        continue;
      if (accept(event)) replay.push({ kind: 'event', event });
    }
    const entry = { sub: undefined as unknown as EventSubscription, accept };
    let timer: { cancel(): void } | undefined;
    entry.sub = new EventSubscription(replay, this.backlog, () => {
      this.subs.delete(entry);
      timer?.cancel();
    });
    this.subs.add(entry);
    if (until) {
      const wait = until.getTime() - this.now().getTime();
      if (wait <= 0) entry.sub.finish();
      else timer = this.setTimer(() => entry.sub.finish(), wait);
    }
    signal?.addEventListener('abort', () => entry.sub.close(), { once: true });
    if (signal?.aborted) entry.sub.close();
    return entry.sub;
  }

  /** Readers following live events (diagnostics and tests). */
  get subscribers(): number {
    return this.subs.size;
  }

  private append(event: ClusterEvent): void {
    const evicted = this.ring.push(event);
    if (evicted) {
      const id = parseEventId(evicted.id)!;
      // Events at the evicted one's time may be gone too: the floor is just after it.
      this.floor = { ...id, time: new Date(Date.parse(evicted.time) + 1) };
    }
    for (const { sub, accept } of this.subs) if (accept(event)) sub.push(event);
  }

  /** Says what a reader asking from `after`/`since` cannot get any more. */
  private notice(after: Floor | undefined, since: Date | undefined): string | undefined {
    const f = this.floor;
    const missing = after
      ? compareEventIds(after, f) < 0 && `events after ${after.index}-${after.seq}`
      : since && since.getTime() < f.time.getTime() && `events before ${f.time.toISOString()}`;
    if (!missing) return undefined;
    const oldest = this.ring.toArray()[0];
    return (
      `${missing} are not available: this manager keeps the last ${this.ring.capacity} events ` +
      `it applied since it started (${oldest ? `oldest kept: ${oldest.id} at ${oldest.time}` : 'none kept yet'})`
    );
  }
}

function parseLastId(id: string): Floor {
  const parsed = parseEventId(id);
  if (!parsed) {
    throw new SwarmletError(
      'INVALID_ARGUMENT',
      `invalid Last-Event-ID "${id}": event ids look like 1234-0`,
    );
  }
  return { ...parsed, time: new Date(0) };
}
