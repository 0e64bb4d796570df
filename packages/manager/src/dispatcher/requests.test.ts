import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isSwarmletError,
  silentLogger,
  type AgentMessage,
  type ManagerMessage,
  type Service,
  type Task,
} from '@swarmlet/api-types';
import { Agent, FakeExecutor, channelPair, type Executor } from '@swarmlet/agent';
import { MemoryStore, sampleNode, sampleService, sampleTask } from '@swarmlet/store';
import { Dispatcher } from './dispatcher.js';

const TIMEOUT_MS = 150;

let store: MemoryStore;
let dispatcher: Dispatcher;
let agents: Agent[];
let task: Task;

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A real agent on `exec` holding a session with the dispatcher. */
async function startAgent(nodeId: string, exec: Executor): Promise<Agent> {
  const agent = new Agent({
    nodeId,
    executor: exec,
    log: silentLogger,
    connect: async () => {
      const [agentEnd, managerEnd] = channelPair<AgentMessage, ManagerMessage>();
      dispatcher.accept(managerEnd);
      return agentEnd;
    },
  });
  agents.push(agent);
  agent.start();
  await until(() => store.view((tx) => tx.get('node', nodeId)?.status.state) === 'ready');
  return agent;
}

/** A node whose session is open but whose agent never answers anything but registration. */
async function silentNode(nodeId: string): Promise<void> {
  const [agentEnd, managerEnd] = channelPair<AgentMessage, ManagerMessage>();
  dispatcher.accept(managerEnd);
  agentEnd.onMessage(() => undefined);
  const description = sampleNode(nodeId).description;
  agentEnd.send({ type: 'register', nodeId, description });
  await until(() => store.view((tx) => tx.get('node', nodeId)?.status.state) === 'ready');
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

beforeEach(async () => {
  store = new MemoryStore();
  agents = [];
  await store.update((tx) => {
    for (const id of ['n1', 'n2', 'n3']) tx.create('node', sampleNode(id, 'unknown'));
  });
  const svc: Service = await store.update((tx) => tx.create('service', sampleService('web', 1)));
  // Running on n1: the agent adopts its container instead of sweeping it as an orphan.
  const t = sampleTask(svc, 1, 'n1');
  task = await store.update((tx) =>
    tx.create('task', { ...t, status: { ...t.status, state: 'running' } }),
  );
  dispatcher = new Dispatcher({
    store,
    log: silentLogger,
    heartbeatPeriodMs: 60_000,
    requestTimeoutMs: TIMEOUT_MS,
  });
});

afterEach(async () => {
  for (const a of agents) await a.stop();
  await dispatcher.stop();
});

describe('Dispatcher.logs', () => {
  it("routes a logs request to the task's node and yields its lines in order", async () => {
    const exec = new FakeExecutor({ nodeId: 'n1' });
    exec.create(task);
    for (let i = 1; i <= 700; i++)
      exec.appendLog(task.id, `line ${i}`, i % 2 ? 'stdout' : 'stderr');
    await startAgent('n1', exec);
    const lines = await collect(
      dispatcher.logs('n1', task.id, { follow: false }, new AbortController().signal),
    );
    // 700 lines cross the agent's 500-line chunks.
    expect(lines.map((l) => l.text)).toEqual(
      Array.from({ length: 700 }, (_, i) => `line ${i + 1}`),
    );
    expect(lines[1]?.stream).toBe('stderr');
    expect(dispatcher.pendingRequests).toBe(0);
  });

  it('passes tail and since through to the executor', async () => {
    const exec = new FakeExecutor({ nodeId: 'n1' });
    exec.create(task);
    for (let i = 1; i <= 5; i++) exec.appendLog(task.id, `l${i}`);
    await startAgent('n1', exec);
    const signal = new AbortController().signal;
    const tail = await collect(dispatcher.logs('n1', task.id, { follow: false, tail: 2 }, signal));
    expect(tail.map((l) => l.text)).toEqual(['l4', 'l5']);
  });

  it('fails with UNAVAILABLE for a node without a session', async () => {
    const err = await failure(
      collect(dispatcher.logs('n2', task.id, { follow: false }, new AbortController().signal)),
    );
    expect(isSwarmletError(err, 'UNAVAILABLE')).toBe(true);
    expect(err.message).toMatch(/no session/);
    expect(dispatcher.pendingRequests).toBe(0);
  });

  it('fails with UNAVAILABLE when the node does not answer in time', async () => {
    await silentNode('n2');
    const started = Date.now();
    const err = await failure(
      collect(dispatcher.logs('n2', task.id, { follow: true }, new AbortController().signal)),
    );
    expect(isSwarmletError(err, 'UNAVAILABLE')).toBe(true);
    expect(err.message).toMatch(/did not answer within 0.15s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
    expect(dispatcher.pendingRequests).toBe(0);
  });

  it("reports the agent's read error (no container) as FAILED_PRECONDITION", async () => {
    await startAgent('n1', new FakeExecutor({ nodeId: 'n1' }));
    const err = await failure(
      collect(dispatcher.logs('n1', 'nope', { follow: false }, new AbortController().signal)),
    );
    expect(isSwarmletError(err, 'FAILED_PRECONDITION')).toBe(true);
    expect(err.message).toMatch(/no container for task nope/);
  });

  it("cancels the agent's reader when the caller aborts a followed stream", async () => {
    const exec = new FakeExecutor({ nodeId: 'n1' });
    const c = exec.create(task);
    c.running = true;
    exec.appendLog(task.id, 'first');
    await startAgent('n1', exec);
    const ac = new AbortController();
    const it = dispatcher.logs('n1', task.id, { follow: true }, ac.signal)[Symbol.asyncIterator]();
    expect((await it.next()).value?.text).toBe('first');
    const next = it.next();
    exec.appendLog(task.id, 'second');
    expect((await next).value?.text).toBe('second');
    expect(exec.logLines.followers(task.id)).toBe(1);
    ac.abort();
    expect((await it.next()).done).toBe(true);
    await until(() => exec.logLines.followers(task.id) === 0);
    expect(dispatcher.pendingRequests).toBe(0);
  });

  it('ends a followed stream with an error when the node session closes', async () => {
    const exec = new FakeExecutor({ nodeId: 'n1' });
    exec.create(task).running = true;
    const agent = await startAgent('n1', exec);
    const reading = collect(
      dispatcher.logs('n1', task.id, { follow: true }, new AbortController().signal),
    );
    await settle();
    await agent.stop();
    const err = await failure(reading);
    expect(isSwarmletError(err, 'UNAVAILABLE')).toBe(true);
    expect(err.message).toMatch(/session closed/);
  });
});

describe('Dispatcher.volumes', () => {
  it('lists and removes volumes through the agent', async () => {
    const exec = new FakeExecutor({ nodeId: 'n1' });
    exec.volumes.set('data', { name: 'data', driver: 'local', labels: {}, inUse: false });
    exec.volumes.set('busy', { name: 'busy', driver: 'local', labels: {}, inUse: true });
    await startAgent('n1', exec);
    const names = (await dispatcher.volumes('n1', { op: 'list' })).map((v) => v.name);
    expect(names.sort()).toEqual(['busy', 'data']);
    await dispatcher.volumes('n1', { op: 'remove', name: 'data' });
    expect([...exec.volumes.keys()]).toEqual(['busy']);
    const err = await failure(dispatcher.volumes('n1', { op: 'remove', name: 'busy' }));
    expect(isSwarmletError(err, 'FAILED_PRECONDITION')).toBe(true);
    expect(err.message).toMatch(/in use/);
  });

  it('answers a clear error when the executor cannot list volumes', async () => {
    const exec = new FakeExecutor({ nodeId: 'n1' });
    const bare: Executor = {
      describe: () => exec.describe(),
      controller: (t) => exec.controller(t),
      list: () => exec.list(),
      removeContainer: (id) => exec.removeContainer(id),
    };
    await startAgent('n1', bare);
    const err = await failure(dispatcher.volumes('n1', { op: 'list' }));
    expect(err.message).toBe("node n1: this node's executor cannot list volumes");
    const logs = await failure(
      collect(dispatcher.logs('n1', task.id, { follow: false }, new AbortController().signal)),
    );
    expect(logs.message).toBe("node n1: this node's executor cannot read logs");
  });

  it('times out on a silent node and fails at once for a node without a session', async () => {
    await silentNode('n2');
    const err = await failure(dispatcher.volumes('n2', { op: 'list' }));
    expect(err.message).toMatch(/did not answer/);
    const none = await failure(dispatcher.volumes('n3', { op: 'list' }));
    expect(none.message).toMatch(/no session/);
    expect(dispatcher.pendingRequests).toBe(0);
  });
});
