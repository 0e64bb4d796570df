import {
  invalid,
  isSwarmletError,
  parseSince,
  taskStateRank,
  type LogEntry,
  type LogsRequest,
  type SessionLogLine,
  type SessionLogOptions,
  type Task,
} from '@swarmlet/api-types';
import type { MemoryStore, WatchQueue } from '@swarmlet/store';
import { EntryQueue } from './entry-queue.js';
import { resolveService, resolveTask } from './resolve.js';

/** Where task logs come from: the leader's dispatcher (`Dispatcher.logs`). */
export interface LogSource {
  logs(
    nodeId: string,
    taskId: string,
    options: SessionLogOptions,
    signal: AbortSignal,
  ): AsyncIterable<SessionLogLine>;
}

export interface LogDeps {
  store: MemoryStore;
  source: LogSource;
  now?: () => number;
}

/**
 * A task whose container was created (it got to READY): running or ended, its logs may exist.
 * Tasks rejected before that never had one.
 */
export function hasContainer(t: Task): boolean {
  const s = t.status.state;
  return (
    t.nodeId !== '' &&
    taskStateRank(s) >= taskStateRank('ready') &&
    s !== 'rejected' &&
    s !== 'remove'
  );
}

/**
 * `service logs` on the leader: validates the request and resolves the service or task now
 * (errors before any line), then streams the lines of every task with a container from its
 * node, each task's lines in order. A node that is down or does not answer becomes one notice.
 * With `follow` on a service, tasks that get a container later (a restart, a scale up) are
 * followed too, and the stream ends only when `signal` aborts or the reader stops.
 */
export function openLogs(
  deps: LogDeps,
  target: { service: string } | { task: string },
  req: LogsRequest,
  signal: AbortSignal,
): AsyncIterable<LogEntry> {
  if (req.tail !== undefined && (!Number.isInteger(req.tail) || req.tail < 0))
    throw invalid(`invalid tail ${req.tail}: give a number of lines, 0 or more`);
  const sinceMs =
    req.since === undefined ? undefined : parseSince(req.since, (deps.now ?? Date.now)());
  const scope = deps.store.view((tx) =>
    'service' in target
      ? { serviceId: resolveService(tx, target.service).id }
      : { taskId: resolveTask(tx, target.task).id },
  );
  const options = { follow: req.follow ?? false, tail: req.tail, sinceMs };
  return new LogFanIn(deps, scope, options, req.timestamps ?? true).run(signal);
}

type Scope = { serviceId: string } | { taskId: string };

class LogFanIn {
  private readonly queue = new EntryQueue();
  private readonly started = new Set<string>();
  private readonly noticedNodes = new Set<string>();
  private readonly inner = new AbortController();
  private running = 0;

  constructor(
    private readonly deps: LogDeps,
    private readonly scope: Scope,
    private readonly options: { follow: boolean; tail?: number; sinceMs?: number },
    private readonly timestamps: boolean,
  ) {}

  async *run(signal: AbortSignal): AsyncGenerator<LogEntry> {
    const stop = (): void => this.inner.abort();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    this.inner.signal.addEventListener('abort', () => this.queue.end(), { once: true });
    const watchNew = this.options.follow && 'serviceId' in this.scope;
    const pick = (tx: Parameters<Parameters<MemoryStore['view']>[0]>[0]): Task[] =>
      'serviceId' in this.scope
        ? tx.tasksOfService(this.scope.serviceId)
        : [tx.get('task', this.scope.taskId)].filter((t): t is Task => t !== undefined);
    let events: WatchQueue | undefined;
    let tasks: Task[];
    if (watchNew) {
      const w = this.deps.store.viewAndWatch(pick, { kinds: ['task'], signal: this.inner.signal });
      tasks = w.result;
      events = w.events;
    } else tasks = this.deps.store.view(pick);
    const sorted = tasks.filter(hasContainer).sort((a, b) => a.slot - b.slot);
    for (const t of sorted) this.startTask(t, this.options.tail);
    if (events) void this.followNew(events);
    else if (this.running === 0) this.queue.end();
    try {
      yield* this.queue.drain();
    } finally {
      signal.removeEventListener('abort', stop);
      this.inner.abort();
    }
  }

  /** Starts reading the tasks of the service that get a container after the stream began. */
  private async followNew(events: WatchQueue): Promise<void> {
    const serviceId = 'serviceId' in this.scope ? this.scope.serviceId : '';
    try {
      for await (const ev of events) {
        if (ev.type !== 'object' || ev.kind !== 'task' || ev.op === 'delete') continue;
        const t = ev.object;
        // A new task's lines are all new: no tail.
        if (t.serviceId === serviceId && hasContainer(t)) this.startTask(t, undefined);
      }
    } catch (err) {
      void this.queue.push({
        notice: `no longer watching for new tasks: ${(err as Error).message}`,
        nodeId: '',
        nodeName: '',
      });
    }
  }

  private startTask(task: Task, tail: number | undefined): void {
    if (this.started.has(task.id) || this.inner.signal.aborted) return;
    this.started.add(task.id);
    this.running++;
    void this.pump(task, tail).finally(() => {
      this.running--;
      // A service followed stays open for tasks to come; anything else ends with its last task.
      const waitsForMore = this.options.follow && 'serviceId' in this.scope;
      if (this.running === 0 && !waitsForMore) this.queue.end();
    });
  }

  private async pump(task: Task, tail: number | undefined): Promise<void> {
    const node = this.deps.store.view((tx) => tx.get('node', task.nodeId));
    const where = { nodeId: task.nodeId, nodeName: node?.description.hostname ?? '' };
    if (!node) return this.notice(task, where, 'is no longer in the cluster');
    if (node.status.state === 'down') return this.notice(task, where, 'is down');
    const base = {
      taskId: task.id,
      ...where,
      serviceName: task.serviceName,
      slot: task.slot,
    };
    const opts: SessionLogOptions = { follow: this.options.follow };
    if (tail !== undefined) opts.tail = tail;
    if (this.options.sinceMs !== undefined) opts.sinceMs = this.options.sinceMs;
    try {
      for await (const l of this.deps.source.logs(task.nodeId, task.id, opts, this.inner.signal)) {
        const timestamp = this.timestamps ? l.timestamp : '';
        await this.queue.push({ ...base, stream: l.stream, timestamp, text: l.text });
      }
    } catch (err) {
      if (this.inner.signal.aborted) return;
      const message = (err as Error).message;
      if (isSwarmletError(err, 'UNAVAILABLE')) return this.notice(task, where, message);
      await this.queue.push({ notice: `task ${task.id}: ${message}`, ...where, taskId: task.id });
    }
  }

  /** One notice per node: a down node with ten tasks is one line, not ten. */
  private async notice(
    task: Task,
    where: { nodeId: string; nodeName: string },
    text: string,
  ): Promise<void> {
    if (this.noticedNodes.has(where.nodeId)) return;
    this.noticedNodes.add(where.nodeId);
    const name = where.nodeName ? `${where.nodeName} (${where.nodeId})` : where.nodeId;
    const notice = `node ${name} ${text}: the logs of its tasks are missing`;
    await this.queue.push({ notice, ...where, taskId: task.id });
  }
}
