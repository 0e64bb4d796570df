import {
  compareEventIds,
  matchesEventFilters,
  parseEventId,
  parseEventTime,
  validateEventFilters,
  type ClusterEvent,
  type EventAction,
  type EventType,
  type EventsRequest,
  type EventStreamItem,
} from '@swarmlet/api-types';

/**
 * The event stream of the fake control API: every event emitted is kept (no ring), `open`
 * replays the kept ones from `since` or after `lastEventId`, then follows new ones until
 * `until` passes or the signal aborts. `notice`, when set, is said first on every stream (to
 * test how clients show it). Filters, times and ids are checked as the manager checks them.
 */
export class FakeEvents {
  readonly emitted: ClusterEvent[] = [];
  notice: string | undefined;
  private readonly followers = new Set<(ev: ClusterEvent) => void>();
  private index = 0;
  private clock = Date.parse('2026-11-21T12:00:00.000Z');

  /** Records an event at the fake's clock (one second apart) and gives it to every reader. */
  emit(
    type: EventType,
    action: EventAction,
    id: string,
    attributes: Record<string, string>,
  ): ClusterEvent {
    const time = new Date((this.clock += 1000)).toISOString();
    const ev: ClusterEvent = {
      id: `${++this.index}-0`,
      time,
      type,
      action,
      actor: { id, attributes },
      scope: 'swarm',
    };
    this.emitted.push(ev);
    for (const f of this.followers) f(ev);
    return ev;
  }

  /** Readers following live events now. */
  get readers(): number {
    return this.followers.size;
  }

  open(req: EventsRequest, signal: AbortSignal): AsyncIterable<EventStreamItem> {
    validateEventFilters(req.filters);
    const since = req.since === undefined ? undefined : parseEventTime(req.since, 'since');
    const until =
      req.until === undefined ? undefined : parseEventTime(req.until, 'until').getTime();
    const after = req.lastEventId === undefined ? undefined : parseEventId(req.lastEventId);
    const accept = (e: ClusterEvent): boolean =>
      matchesEventFilters(e, req.filters) && (until === undefined || Date.parse(e.time) <= until);
    const queue: EventStreamItem[] = this.notice ? [{ kind: 'notice', message: this.notice }] : [];
    for (const e of this.emitted) {
      const newer = after
        ? compareEventIds(parseEventId(e.id)!, after) > 0
        : since !== undefined && Date.parse(e.time) >= since.getTime();
      if (newer && accept(e)) queue.push({ kind: 'event', event: e });
    }
    const followers = this.followers;
    let ended = until !== undefined && until <= this.clock;
    return {
      async *[Symbol.asyncIterator]() {
        let wake: (() => void) | undefined;
        const follow = (e: ClusterEvent): void => {
          if (accept(e)) queue.push({ kind: 'event', event: e });
          else if (until !== undefined && Date.parse(e.time) > until) ended = true;
          wake?.();
        };
        const stop = (): void => wake?.();
        if (!ended) followers.add(follow);
        signal.addEventListener('abort', stop);
        try {
          for (;;) {
            const item = queue.shift();
            if (item) yield item;
            else if (ended || signal.aborted) return;
            else await new Promise<void>((r) => (wake = r));
          }
        } finally {
          followers.delete(follow);
          signal.removeEventListener('abort', stop);
        }
      },
    };
  }
}
