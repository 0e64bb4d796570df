import {
  isLogNotice,
  isSwarmletError,
  parseSince,
  SwarmletError,
  type LogEntry,
  type LogsRequest,
} from '@swarmlet/api-types';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { invalidFlag } from '../errors.js';
import { formatLogLine, formatLogNotice, slotWidth, type LogFormat } from '../format/logs.js';

export interface LogsFlags {
  follow?: boolean;
  tail?: string;
  since?: string;
  timestamps?: boolean;
  raw?: boolean;
  /** Commander's `--no-task-ids`: false when given. */
  taskIds?: boolean;
  trunc?: boolean;
}

/** `service logs` flags to the request; pure (`now` for a relative `--since`). */
export function logsRequest(f: LogsFlags, now: Date): LogsRequest {
  const req: LogsRequest = {};
  if (f.follow) req.follow = true;
  if (f.tail !== undefined && f.tail !== 'all') {
    if (!/^\d+$/.test(f.tail)) throw invalidFlag('--tail', f.tail, 'expected a number or "all"');
    req.tail = Number(f.tail);
  }
  if (f.since !== undefined) {
    try {
      req.since = new Date(parseSince(f.since, now.getTime())).toISOString();
    } catch (err) {
      throw invalidFlag('--since', f.since, (err as Error).message);
    }
  }
  return req;
}

/**
 * Opens the stream of a service, else of a task by that reference; answers it with the slot
 * width of the service's replicas (so the `|` columns line up).
 */
async function open(
  ctx: CommandContext,
  ref: string,
  req: LogsRequest,
  signal: AbortSignal,
): Promise<{ entries: AsyncIterable<LogEntry>; width: number }> {
  const client = ctx.client();
  try {
    const service = await client.getService(ref);
    const width = slotWidth([service.spec.replicas ?? 1]);
    return { entries: await client.serviceLogs(service.id, req, signal), width };
  } catch (err) {
    if (!isSwarmletError(err, 'NOT_FOUND')) throw err;
  }
  try {
    const task = await client.getTask(ref);
    return { entries: await client.taskLogs(task.id, req, signal), width: slotWidth([task.slot]) };
  } catch (err) {
    if (!isSwarmletError(err, 'NOT_FOUND')) throw err;
    throw new SwarmletError('NOT_FOUND', `no such service or task: ${ref}`);
  }
}

async function serviceLogs(ctx: CommandContext, ref: string, flags: LogsFlags): Promise<void> {
  const req = logsRequest(flags, ctx.now());
  // Ctrl-C ends the stream (and the agents' readers) and the command cleanly.
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  ctx.io.signal?.addEventListener('abort', stop, { once: true });
  if (ctx.io.signal?.aborted) stop();
  try {
    const { entries, width } = await open(ctx, ref, req, ac.signal);
    const format: LogFormat = {
      raw: flags.raw ?? false,
      timestamps: flags.timestamps ?? false,
      noTaskIds: flags.taskIds === false,
      noTrunc: flags.trunc === false,
      slotWidth: width,
    };
    for await (const e of entries) {
      if (isLogNotice(e)) ctx.io.stderr.write(formatLogNotice(e));
      else (e.stream === 'stderr' ? ctx.io.stderr : ctx.io.stdout).write(formatLogLine(e, format));
    }
  } finally {
    ctx.io.signal?.removeEventListener('abort', stop);
  }
}

/** `service logs [-f] [--tail N] [--since T] [-t] [--raw] [--no-task-ids] SERVICE|TASK`. */
export function registerServiceLogs(service: Command, ctx: CommandContext): void {
  service
    .command('logs')
    .description('Fetch the logs of a service or task, from every node')
    .argument('<service|task>', 'service name, id or id prefix, or a task id')
    .option('-f, --follow', 'follow log output (new tasks too) until Ctrl-C')
    .option('-n, --tail <lines>', 'number of lines to show from the end of each task', 'all')
    .option('--since <time>', 'show logs since a timestamp or relative (e.g. 42m)')
    .option('-t, --timestamps', 'show timestamps')
    .option('--raw', 'do not print the task and node before each line')
    .option('--no-task-ids', 'do not include task ids in the output')
    .option('--no-trunc', 'do not truncate task ids')
    .action((ref: string, flags: LogsFlags) => serviceLogs(ctx, ref, flags));
}
