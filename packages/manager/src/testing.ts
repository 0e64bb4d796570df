import {
  silentLogger,
  type AgentMessage,
  type ManagerMessage,
  type Task,
} from '@swarmlet/api-types';
import { Agent, FakeExecutor, channelPair } from '@swarmlet/agent';
import { MemoryStore } from '@swarmlet/store';
import { ControlServer } from './controlapi/controlapi.js';
import { Manager } from './manager.js';

export interface TestNode {
  id: string;
  executor: FakeExecutor;
  agent: Agent;
}

/**
 * An in-process cluster on FakeExecutors (swarmkit's integration newTestCluster): one store,
 * one Manager, and an Agent per node talking to the dispatcher over in-process channels.
 */
export class TestCluster {
  readonly store = new MemoryStore();
  readonly control = new ControlServer(this.store);
  manager: Manager;
  readonly nodes: TestNode[] = [];

  constructor(private readonly heartbeatPeriodMs = 100) {
    this.manager = new Manager({ store: this.store, log: silentLogger, heartbeatPeriodMs });
  }

  static async start(
    nodeCount: number,
    opts: { historyLimit?: number; heartbeatPeriodMs?: number } = {},
  ): Promise<TestCluster> {
    const c = new TestCluster(opts.heartbeatPeriodMs);
    await c.store.update((tx) => {
      tx.create('cluster', {
        spec: {
          name: 'test',
          orchestration: { taskHistoryRetentionLimit: opts.historyLimit ?? 5 },
          dispatcher: { heartbeatPeriodMs: c.heartbeatPeriodMs },
        },
      });
    });
    c.manager.start();
    for (let i = 0; i < nodeCount; i++) await c.addNode(`node${i}`);
    await waitFor(
      'nodes ready',
      () =>
        c.store.view((tx) => tx.find('node', (n) => n.status.state === 'ready').length) ===
        nodeCount,
    );
    return c;
  }

  async addNode(
    id: string,
    executor = new FakeExecutor({ nodeId: id, hostname: id }),
  ): Promise<TestNode> {
    await this.store.update((tx) => {
      if (tx.get('node', id)) return;
      tx.create('node', {
        id,
        spec: { role: 'worker', availability: 'active', labels: {} },
        description: {
          hostname: id,
          platform: { os: 'linux', arch: 'x86_64' },
          resources: { nanoCpus: 0, memoryBytes: 0 },
          engine: { version: '', labels: {} },
        },
        status: { state: 'unknown', message: '', addr: '' },
      });
    });
    const agent = this.newAgent(id, executor);
    const node = { id, executor, agent };
    this.nodes.push(node);
    agent.start();
    return node;
  }

  newAgent(nodeId: string, executor: FakeExecutor): Agent {
    return new Agent({
      nodeId,
      executor,
      log: silentLogger,
      connect: async () => {
        const [agentEnd, managerEnd] = channelPair<AgentMessage, ManagerMessage>();
        this.manager.dispatcher.accept(managerEnd);
        return agentEnd;
      },
    });
  }

  tasks(serviceId?: string): Task[] {
    return this.store.view((tx) => (serviceId ? tx.tasksOfService(serviceId) : tx.find('task')));
  }

  running(serviceId: string): Task[] {
    return this.tasks(serviceId).filter(
      (t) => t.status.state === 'running' && t.desiredState === 'running',
    );
  }

  /** All containers running on every fake node. */
  containers(): { nodeId: string; taskId: string }[] {
    return this.nodes.flatMap((n) =>
      n.executor.running().map((c) => ({ nodeId: n.id, taskId: c.task.id })),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.agent.stop()));
    await this.manager.stop();
  }
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what`. */
export async function waitFor(
  what: string,
  check: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
