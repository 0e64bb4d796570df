import { beforeEach, describe, expect, it } from 'vitest';
import {
  isLogNotice,
  isSwarmletError,
  SwarmletError,
  type LogEntry,
  type LogRecord,
  type Service,
  type SessionLogLine,
  type SessionLogOptions,
  type Task,
  type TaskState,
} from '@swarmlet/api-types';
import { MemoryStore, sampleNode, sampleService, sampleTask } from '@swarmlet/store';
import { openLogs, type LogSource } from './logs.js';

/** Per task: its lines, or an error to throw; followed reads wait for `release()`. */
class ScriptedSource implements LogSource {
  readonly asked: { nodeId: string; taskId: string; options: SessionLogOptions }[] = [];
  readonly lines = new Map<string, string[]>();
  readonly errors = new Map<string, Error>();
  private releases: (() => void)[] = [];

  async *logs(
    nodeId: string,
    taskId: string,
    options: SessionLogOptions,
    signal: AbortSignal,
  ): AsyncGenerator<SessionLogLine> {
    this.asked.push({ nodeId, taskId, options });
    const err = this.errors.get(taskId);
    if (err) throw err;
    const all = this.lines.get(taskId) ?? [];
    const from = options.tail === undefined ? 0 : Math.max(0, all.length - options.tail);
    for (const text of all.slice(from)) {
      await new Promise((r) => setImmediate(r)); // interleave tasks
      yield { stream: 'stdout', timestamp: '2026-01-01T00:00:00.000000001Z', text };
    }
    if (options.follow && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.releases.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

let store: MemoryStore;
let source: ScriptedSource;
let svc: Service;

async function addTask(slot: number, nodeId: string, state: TaskState): Promise<Task> {
  const t = sampleTask(svc, slot, nodeId);
  return store.update((tx) => tx.create('task', { ...t, status: { ...t.status, state } }));
}

async function collect(it: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const records = (es: LogEntry[]): LogRecord[] => es.filter((e): e is LogRecord => !isLogNotice(e));
const never = new AbortController().signal;

beforeEach(async () => {
  store = new MemoryStore();
  source = new ScriptedSource();
  await store.update((tx) => {
    tx.create('node', sampleNode('n1'));
    tx.create('node', sampleNode('n2'));
    tx.create('node', sampleNode('n3', 'down'));
  });
  svc = await store.update((tx) => tx.create('service', sampleService('web', 3)));
});

describe('openLogs', () => {
  it('asks every task that has a container, running or ended, and keeps each task in order', async () => {
    const a = await addTask(1, 'n1', 'running');
    const b = await addTask(2, 'n2', 'running');
    const ended = await addTask(1, 'n1', 'failed');
    await addTask(3, '', 'pending');
    await addTask(3, 'n2', 'rejected');
    source.lines.set(a.id, ['a1', 'a2', 'a3']);
    source.lines.set(b.id, ['b1', 'b2', 'b3']);
    source.lines.set(ended.id, ['old1']);
    const got = records(await collect(openLogs({ store, source }, { service: 'web' }, {}, never)));
    expect(source.asked.map((x) => x.taskId).sort()).toEqual([a.id, b.id, ended.id].sort());
    const of = (id: string): string[] => got.filter((r) => r.taskId === id).map((r) => r.text);
    expect(of(a.id)).toEqual(['a1', 'a2', 'a3']);
    expect(of(b.id)).toEqual(['b1', 'b2', 'b3']);
    expect(of(ended.id)).toEqual(['old1']);
    expect(got.find((r) => r.taskId === b.id)).toMatchObject({
      nodeId: 'n2',
      nodeName: 'n2',
      serviceName: 'web',
      slot: 2,
      stream: 'stdout',
    });
  });

  it('gives one notice naming a down node instead of asking it', async () => {
    await addTask(1, 'n3', 'running');
    await addTask(2, 'n3', 'running');
    const got = await collect(openLogs({ store, source }, { service: 'web' }, {}, never));
    expect(source.asked).toEqual([]);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      nodeId: 'n3',
      notice: expect.stringMatching(/node n3 \(n3\) is down/),
    });
  });

  it('turns a node that does not answer into a notice and still returns the others', async () => {
    const a = await addTask(1, 'n1', 'running');
    const b = await addTask(2, 'n2', 'running');
    source.lines.set(a.id, ['a1']);
    source.errors.set(b.id, new SwarmletError('UNAVAILABLE', 'did not answer within 5s'));
    const got = await collect(openLogs({ store, source }, { service: 'web' }, {}, never));
    expect(records(got).map((r) => r.text)).toEqual(['a1']);
    const notices = got.filter(isLogNotice);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.notice).toBe(
      'node n2 (n2) did not answer within 5s: the logs of its tasks are missing',
    );
  });

  it('passes tail and since to the nodes and blanks timestamps on request', async () => {
    const a = await addTask(1, 'n1', 'running');
    source.lines.set(a.id, ['1', '2', '3']);
    const req = { tail: 2, since: '10m', timestamps: false };
    const now = (): number => Date.parse('2026-01-01T01:00:00Z');
    const got = records(
      await collect(openLogs({ store, source, now }, { task: a.id }, req, never)),
    );
    expect(got.map((r) => [r.text, r.timestamp])).toEqual([
      ['2', ''],
      ['3', ''],
    ]);
    expect(source.asked[0]?.options).toEqual({
      follow: false,
      tail: 2,
      sinceMs: Date.parse('2026-01-01T00:50:00Z'),
    });
  });

  it('fails before streaming for an unknown service or a bad request', () => {
    const open = (target: { service: string }, req = {}): unknown =>
      openLogs({ store, source }, target, req, never);
    expect(() => open({ service: 'nope' })).toThrow(/service nope not found/);
    try {
      open({ service: 'web' }, { since: 'yesterday-ish' });
      expect.unreachable();
    } catch (err) {
      expect(isSwarmletError(err, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('with follow, reads tasks that start later (all their lines) and ends on abort', async () => {
    const a = await addTask(1, 'n1', 'running');
    source.lines.set(a.id, ['a1', 'a2', 'a3']);
    const ac = new AbortController();
    const it = openLogs(
      { store, source },
      { service: 'web' },
      { follow: true, tail: 1 },
      ac.signal,
    )[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ text: 'a3' });
    // A restarted replica: new task in the same slot, on the other node.
    const b = await addTask(1, 'n2', 'assigned');
    source.lines.set(b.id, ['b1', 'b2']);
    await store.update((tx) => {
      const t = tx.get('task', b.id)!;
      tx.update('task', { ...t, status: { ...t.status, state: 'running' } });
    });
    expect((await it.next()).value).toMatchObject({ taskId: b.id, text: 'b1' });
    expect((await it.next()).value).toMatchObject({ taskId: b.id, text: 'b2' });
    expect(source.asked.filter((x) => x.taskId === b.id)).toHaveLength(1);
    expect(source.asked.find((x) => x.taskId === b.id)?.options.tail).toBeUndefined();
    const end = it.next();
    ac.abort();
    expect((await end).done).toBe(true);
  });

  it('without follow on a service, ends once every task is read', async () => {
    const a = await addTask(1, 'n1', 'running');
    source.lines.set(a.id, ['x']);
    const got = await collect(openLogs({ store, source }, { service: svc.id }, {}, never));
    expect(records(got).map((r) => r.text)).toEqual(['x']);
    source.release();
  });
});
