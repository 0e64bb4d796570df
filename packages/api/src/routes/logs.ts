import { Readable } from 'node:stream';
import {
  LogEntrySchema,
  type ControlApi,
  type LogEntry,
  type LogsRequest,
} from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import { toErrorBody } from '../errors.js';
import { closed, ErrorResponses, RefParams } from '../schemas.js';

/** Query of the log routes: strings, as query values are not coerced. */
export const LogsQuery = closed(
  Type.Object({
    follow: Type.Optional(Type.Enum(['true', 'false'])),
    tail: Type.Optional(Type.String({ pattern: '^(all|[0-9]+)$' })),
    since: Type.Optional(Type.String({ minLength: 1 })),
    timestamps: Type.Optional(Type.Enum(['true', 'false'])),
  }),
);

/** Media type of the log streams: one JSON object per line. */
export const NDJSON = 'application/x-ndjson';

const description =
  'Streams newline-delimited JSON, one object per line: a log line (taskId, nodeId, nodeName, ' +
  'serviceName, slot, stream, timestamp, text) or a notice (notice, nodeId, nodeName, taskId: ' +
  "a node that is down or did not answer). Each task's lines come in order. Without follow the " +
  'stream ends after every task; with follow=true it ends when the client disconnects (and new ' +
  'tasks of the service are followed too). An error met mid-stream is a last line ' +
  '{"error": {code, message}}. Query: follow, tail (N or all, per task), since (duration such ' +
  'as 10m or a timestamp), timestamps (default true; false leaves timestamp empty).';

function toRequest(q: Static<typeof LogsQuery>): LogsRequest {
  const req: LogsRequest = { follow: q.follow === 'true' };
  if (q.tail !== undefined && q.tail !== 'all') req.tail = Number(q.tail);
  if (q.since !== undefined) req.since = q.since;
  if (q.timestamps === 'false') req.timestamps = false;
  return req;
}

/** The entries as NDJSON text; a failure becomes an `{"error": ...}` line, then the end. */
async function* ndjson(entries: AsyncIterable<LogEntry>): AsyncGenerator<string> {
  try {
    for await (const e of entries) yield `${JSON.stringify(e)}\n`;
  } catch (err) {
    yield `${JSON.stringify({ error: toErrorBody(err).body })}\n`;
  }
}

/** Aborted when the client goes away, which cancels the agents' readers. */
function closeSignal(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.on('close', () => ac.abort(new Error('client disconnected')));
  return ac.signal;
}

function stream(reply: FastifyReply, entries: AsyncIterable<LogEntry>): FastifyReply {
  return reply
    .type(NDJSON)
    .header('cache-control', 'no-store')
    .send(Readable.from(ndjson(entries)));
}

const schema = (operationId: string, summary: string) =>
  ({
    operationId,
    summary,
    description,
    tags: ['logs'],
    params: RefParams,
    querystring: LogsQuery,
    response: {
      200: { description: 'the log stream', content: { [NDJSON]: { schema: LogEntrySchema } } },
      ...ErrorResponses,
    },
  }) as const;

/** `GET /services/:ref/logs` and `GET /tasks/:ref/logs`: streaming NDJSON (see `description`). */
export const logRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  app.get(
    '/services/:ref/logs',
    { schema: schema('serviceLogs', 'Log lines of every task of a service, from every node') },
    async (req, reply) => {
      const signal = closeSignal(reply);
      const entries = await control.serviceLogs(req.params.ref, toRequest(req.query), signal);
      return stream(reply, entries);
    },
  );
  app.get(
    '/tasks/:ref/logs',
    { schema: schema('taskLogs', 'Log lines of one task') },
    async (req, reply) => {
      const signal = closeSignal(reply);
      const entries = await control.taskLogs(req.params.ref, toRequest(req.query), signal);
      return stream(reply, entries);
    },
  );
};
