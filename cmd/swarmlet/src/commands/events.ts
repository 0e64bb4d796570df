import {
  EVENT_FILTER_KEYS,
  parseEventTime,
  type ClusterEvent,
  type EventFilters,
  type EventsRequest,
} from '@swarmlet/api-types';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { invalidFlag, messageOf, UsageError } from '../errors.js';
import { parseDuration } from '../parse/duration.js';
import { collect } from '../parse/words.js';

interface EventsFlags {
  filter?: string[];
  since?: string;
  until?: string;
  format?: string;
}

/** `-f type=service -f name=web` to filters; the daemon checks the values. Pure. */
export function parseEventFilters(values: readonly string[] = []): EventFilters {
  const filters: Record<string, string[]> = {};
  for (const f of values) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? '' : f.slice(eq + 1);
    if (!(EVENT_FILTER_KEYS as readonly string[]).includes(key) || value === '') {
      throw new UsageError(
        `invalid filter '${f}': use ${EVENT_FILTER_KEYS.map((k) => `${k}=VALUE`).join(', ')}`,
      );
    }
    (filters[key] ??= []).push(value);
  }
  return filters as EventFilters;
}

/**
 * A `--since`/`--until` value as an RFC 3339 time: a duration counts back from `now` (`10m`,
 * `1h30m`, as docker), otherwise RFC 3339, a date, or unix seconds. Pure.
 */
export function resolveEventTime(flag: string, value: string, now: Date): string {
  if (/^\d+(\.\d+)?[a-zµμ]/.test(value)) {
    try {
      return new Date(now.getTime() - parseDuration(value)).toISOString();
    } catch (err) {
      throw invalidFlag(flag, value, messageOf(err));
    }
  }
  try {
    return parseEventTime(value, flag).toISOString();
  } catch {
    throw invalidFlag(
      flag,
      value,
      'use a duration (10m), RFC 3339 (2026-01-02T15:04:05Z) or unix seconds',
    );
  }
}

/** The flags as an events request. Pure. */
export function eventsRequest(flags: EventsFlags, now: Date): EventsRequest {
  const req: EventsRequest = {};
  const filters = parseEventFilters(flags.filter);
  if (Object.keys(filters).length > 0) req.filters = filters;
  if (flags.since !== undefined) req.since = resolveEventTime('--since', flags.since, now);
  if (flags.until !== undefined) req.until = resolveEventTime('--until', flags.until, now);
  return req;
}

/** ISO time with nanoseconds, as docker prints event times (`...T12:00:00.123000000Z`). */
function nanoTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/**
 * One event the way `docker events` prints it:
 * `2026-11-21T12:00:00.000000000Z service update ID (name=web, replicas.new=3, replicas.old=1)`,
 * attributes sorted by key. Pure.
 */
export function formatEvent(ev: ClusterEvent): string {
  const attrs = Object.keys(ev.actor.attributes)
    .sort()
    .map((k) => `${k}=${ev.actor.attributes[k]}`);
  const tail = attrs.length > 0 ? ` (${attrs.join(', ')})` : '';
  return `${nanoTime(ev.time)} ${ev.type} ${ev.action} ${ev.actor.id}${tail}`;
}

/** `--format`: docker's text lines by default, or one JSON object per line. */
function jsonFormat(value: string | undefined): boolean {
  if (value === undefined || value === 'table') return false;
  if (value === 'json' || value === '{{json .}}') return true;
  throw invalidFlag('--format', value, 'only "json" is supported');
}

/** `swarmlet events`: follows the cluster's events until Ctrl-C or `--until`. */
export function registerEventsCommand(program: Command, ctx: CommandContext): void {
  program
    .command('events')
    .description('Get real time events from the cluster (any manager)')
    .option(
      '-f, --filter <filter>',
      'filter: type=service|node|task|secret|config|network, event=create|update|remove, ' +
        'name=NAME, id=ID (repeatable)',
      collect,
    )
    .option('--since <time>', 'show retained events since this time (10m, RFC 3339, unix)')
    .option('--until <time>', 'stop at this time')
    .option('--format <format>', 'output format: json (one event per line)')
    .action(async (flags: EventsFlags) => {
      const json = jsonFormat(flags.format);
      const req = eventsRequest(flags, ctx.now());
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      ctx.io.signal?.addEventListener('abort', stop, { once: true });
      if (ctx.io.signal?.aborted) stop();
      try {
        const stream = await ctx.client().events(req, ac.signal);
        for await (const item of stream) {
          if (item.kind === 'notice') ctx.note(`WARNING: ${item.message}`);
          else ctx.print(json ? JSON.stringify(item.event) : formatEvent(item.event));
        }
      } finally {
        ctx.io.signal?.removeEventListener('abort', stop);
        ac.abort();
      }
    });
}
