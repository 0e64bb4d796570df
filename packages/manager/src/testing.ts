import {
  silentLogger,
  type AgentMessage,
  type ManagerMessage,
  type Node,
  type SessionChannel,
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
  /** Nodes whose network to the manager is cut. */
  private readonly cut = new Set<string>();
  /** The agent end of each node's current session channel. */
  private readonly links = new Map<string, SessionChannel<ManagerMessage, AgentMessage>>();

  constructor(private readonly heartbeatPeriodMs = 100) {
    this.manager = this.newManager();
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
        if (this.cut.has(nodeId)) throw new Error(`no route to the manager from ${nodeId}`);
        const [agentEnd, managerEnd] = channelPair<AgentMessage, ManagerMessage>();
        this.links.set(nodeId, agentEnd);
        this.manager.dispatcher.accept(managerEnd);
        return agentEnd;
      },
    });
  }

  /**
   * Cuts a node off the manager: its session drops and every reconnection attempt fails until
   * `reconnect`. The agent keeps running, and so do its containers, as on a partitioned host.
   */
  disconnect(nodeId: string): void {
    this.cut.add(nodeId);
    this.links.get(nodeId)?.close('connection lost');
  }

  /** Heals `disconnect`: the agent's next retry (it backs off, up to 5 s) reaches the manager. */
  reconnect(nodeId: string): void {
    this.cut.delete(nodeId);
  }

  /** A leader change: stops the manager and starts a new one on the same store. */
  async restartManager(): Promise<void> {
    await this.manager.stop();
    this.manager = this.newManager();
    this.manager.start();
  }

  /** The stored node. */
  node(id: string): Node | undefined {
    return this.store.view((tx) => tx.get('node', id));
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
    this.cut.clear();
    await Promise.all(this.nodes.map((n) => n.agent.stop()));
    await this.manager.stop();
  }

  private newManager(): Manager {
    const { heartbeatPeriodMs } = this;
    return new Manager({ store: this.store, log: silentLogger, heartbeatPeriodMs });
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
