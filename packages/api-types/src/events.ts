import { Type, type Static } from 'typebox';
import { SwarmletError } from './errors.js';

/** Object types that produce cluster events (docker's swarm-scope `Type`, plus tasks). */
export const EVENT_TYPES = ['service', 'node', 'task', 'secret', 'config', 'network'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What happened to the object (docker's swarm-scope `Action`). */
export const EVENT_ACTIONS = ['create', 'update', 'remove'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

/**
 * One cluster event, as `docker events` shows swarm-scope events. `id` is
 * `<store index>-<position in that commit>`: it orders events and is the same on every manager
 * (they apply the same Raft log), so a client can resume on any of them with `Last-Event-ID`.
 * `time` is when the change was made (the object's `meta` time; for removals, when this manager
 * applied it). `actor.attributes` holds `name` and, for updates, `<field>.old`/`<field>.new` of
 * the fields that changed. Never a secret's or config's data.
 */
export const ClusterEventSchema = Type.Object({
  id: Type.String(),
  time: Type.String(),
  type: Type.Enum(EVENT_TYPES),
  action: Type.Enum(EVENT_ACTIONS),
  actor: Type.Object({
    id: Type.String(),
    attributes: Type.Record(Type.String(), Type.String()),
  }),
  scope: Type.Literal('swarm'),
});
export type ClusterEvent = Static<typeof ClusterEventSchema>;

/**
 * Event filters: values of one key are alternatives (OR), different keys must all match (AND),
 * as docker's `--filter`. `name` matches an object's name, and for tasks also their service's
 * name (`name=web` shows the service `web` and its tasks `web.1`...); `id` matches an id prefix.
 */
export interface EventFilters {
  type?: EventType[];
  event?: EventAction[];
  name?: string[];
  id?: string[];
}

/** Filter keys the API and the CLI accept. */
export const EVENT_FILTER_KEYS = ['type', 'event', 'name', 'id'] as const;

/** What a client asks of the event stream. Times are RFC 3339 (or unix seconds). */
export interface EventsRequest {
  filters?: EventFilters;
  /** Replay retained events from this time on, then follow live ones. */
  since?: string;
  /** End the stream once events reach this time (at once when it is in the past). */
  until?: string;
  /** Resume after this event id (SSE `Last-Event-ID`); wins over `since`. */
  lastEventId?: string;
}

/**
 * One item of the event stream: an event, or a notice for the user (said first, e.g. that
 * events before some time are no longer retained and were not replayed).
 */
export type EventStreamItem =
  { kind: 'event'; event: ClusterEvent } | { kind: 'notice'; message: string };

/** True when `ev` passes every filter key given. */
export function matchesEventFilters(ev: ClusterEvent, f: EventFilters = {}): boolean {
  if (f.type?.length && !f.type.includes(ev.type)) return false;
  if (f.event?.length && !f.event.includes(ev.action)) return false;
  if (f.id?.length && !f.id.some((p) => ev.actor.id.startsWith(p))) return false;
  if (f.name?.length) {
    const names = [ev.actor.attributes['name'], ev.actor.attributes['service.name']];
    if (!f.name.some((n) => names.includes(n))) return false;
  }
  return true;
}

/** Throws INVALID_ARGUMENT for a `type` or `event` value docker would not know. */
export function validateEventFilters(f: EventFilters = {}): void {
  const check = (key: string, values: readonly string[] | undefined, known: readonly string[]) => {
    for (const v of values ?? []) {
      if (!known.includes(v)) {
        throw new SwarmletError(
          'INVALID_ARGUMENT',
          `invalid filter '${key}=${v}': ${key} is one of ${known.join(', ')}`,
        );
      }
    }
  };
  check('type', f.type, EVENT_TYPES);
  check('event', f.event, EVENT_ACTIONS);
}

/**
 * Parses an event time: RFC 3339 / ISO 8601, or unix seconds with an optional fraction
 * (`1700000000.5`), as docker's `--since`. Throws INVALID_ARGUMENT naming `what`.
 */
export function parseEventTime(value: string, what = 'time'): Date {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new SwarmletError(
      'INVALID_ARGUMENT',
      `invalid ${what} "${value}": use RFC 3339 (2026-01-02T15:04:05Z) or unix seconds`,
    );
  }
  return new Date(ms);
}

/** An event id split into store index and position; undefined when malformed. */
export function parseEventId(id: string): { index: number; seq: number } | undefined {
  const m = /^(\d+)-(\d+)$/.exec(id);
  if (!m) return undefined;
  return { index: Number(m[1]), seq: Number(m[2]) };
}

/** Orders two parsed event ids: negative when `a` came first. */
export function compareEventIds(
  a: { index: number; seq: number },
  b: { index: number; seq: number },
): number {
  return a.index - b.index || a.seq - b.seq;
}
