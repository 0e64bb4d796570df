import type { ServerResponse } from 'node:http';
import {
  ClusterEventSchema,
  type ControlApi,
  type EventFilters,
  type EventsRequest,
  type EventStreamItem,
} from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { toErrorBody } from '../errors.js';
import { closed, ErrorResponses } from '../schemas.js';

/** Media type of the event stream (server-sent events). */
export const EVENT_STREAM = 'text/event-stream';

const List = Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())]));

/** `GET /events` query: filter values comma-separated or repeated; times RFC 3339 or unix. */
export const EventsQuery = closed(
  Type.Object({
    type: List,
    event: List,
    name: List,
    id: List,
    since: Type.Optional(Type.String({ minLength: 1 })),
    until: Type.Optional(Type.String({ minLength: 1 })),
    lastEventId: Type.Optional(Type.String({ minLength: 1 })),
  }),
);

/** Options of the events plugin (tests shorten the timings). */
export interface EventRoutesOptions {
  control: ControlApi;
  /** A `: keep-alive` comment this often, so idle proxies and clients keep the stream (15 s). */
  heartbeatMs?: number;
  /** A client whose socket accepts nothing for this long is disconnected (60 s). */
  stallMs?: number;
}

const description =
  'Server-sent events: each event is `id: <store index>-<n>` and `data: <ClusterEvent JSON>`. ' +
  'A first `event: notice` (data `{"message"}`) says when older events asked for are no longer ' +
  'retained. A failure (a reader too slow: UNAVAILABLE) is a last `event: error` with data ' +
  '`{code, message}`. Without `since` only live events are sent; `until` ends the stream. ' +
  'Resume with the `Last-Event-ID` header (or `lastEventId`). Filters: `type`, `event`, `name`, ' +
  '`id`, values comma-separated or repeated. Comments (`: keep-alive`) come every 15 s.';

function list(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const out = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== '');
  return out.length > 0 ? out : undefined;
}

/** The query and `Last-Event-ID` header as a request; values are checked by the ControlApi. */
export function toEventsRequest(
  q: Static<typeof EventsQuery>,
  lastEventIdHeader: string | undefined,
): EventsRequest {
  const filters: EventFilters = {};
  for (const key of ['type', 'event', 'name', 'id'] as const) {
    const values = list(q[key]);
    if (values) (filters as Record<string, string[]>)[key] = values;
  }
  const req: EventsRequest = {};
  if (Object.keys(filters).length > 0) req.filters = filters;
  if (q.since !== undefined) req.since = q.since;
  if (q.until !== undefined) req.until = q.until;
  const last = lastEventIdHeader ?? q.lastEventId;
  if (last !== undefined && last !== '') req.lastEventId = last;
  return req;
}

/** One stream item as an SSE frame. */
export function sseFrame(item: EventStreamItem): string {
  if (item.kind === 'notice') {
    return `event: notice\ndata: ${JSON.stringify({ message: item.message })}\n\n`;
  }
  return `id: ${item.event.id}\ndata: ${JSON.stringify(item.event)}\n\n`;
}

/** Writes `text`; resolves true once the socket took it, false if it closed or stalled. */
function write(res: ServerResponse, text: string, stallMs: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(text)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), stallMs);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Pumps the stream into the response until it ends, fails, stalls or the client leaves. */
async function pump(
  res: ServerResponse,
  items: AsyncIterable<EventStreamItem>,
  stallMs: number,
): Promise<void> {
  const it = items[Symbol.asyncIterator]();
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      if (!(await write(res, sseFrame(r.value), stallMs))) {
        res.destroy(); // stalled for stallMs: nothing more would get through
        return;
      }
    }
  } catch (err) {
    if (!res.destroyed)
      res.write(`event: error\ndata: ${JSON.stringify(toErrorBody(err).body)}\n\n`);
  } finally {
    await it.return?.();
  }
  res.end();
}

/** `GET /events`: the cluster event stream as server-sent events (see `description`). */
export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = async (app, opts) => {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const stallMs = opts.stallMs ?? 60_000;
  // Open streams end when the server closes, or they would hold `close()` until clients leave.
  const open = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const ac of open) ac.abort();
  });
  app.get(
    '/events',
    {
      schema: {
        operationId: 'streamEvents',
        summary: 'Cluster events (docker events, swarm scope) as server-sent events',
        description,
        tags: ['events'],
        querystring: EventsQuery,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String()) }),
        response: {
          200: {
            description: 'the event stream',
            content: { [EVENT_STREAM]: { schema: ClusterEventSchema } },
          },
          ...ErrorResponses,
        },
      },
    },
    async (req, reply) => {
      const ac = new AbortController();
      open.add(ac);
      ac.signal.addEventListener('abort', () => open.delete(ac), { once: true });
      const header = req.headers['last-event-id'];
      const request = toEventsRequest(req.query, typeof header === 'string' ? header : undefined);
      const items = await opts.control.events(request, ac.signal);
      const res = reply.raw;
      reply.hijack();
      res.on('close', () => ac.abort());
      res.writeHead(200, {
        'content-type': `${EVENT_STREAM}; charset=utf-8`,
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      res.write(': swarmlet events\n\n');
      const beat = setInterval(() => {
        if (!res.writableNeedDrain) res.write(': keep-alive\n\n');
      }, heartbeatMs);
      try {
        await pump(res, items, stallMs);
      } finally {
        clearInterval(beat);
        ac.abort();
      }
    },
  );
};
