import { MemoryNetwork } from '../transport/memory-network.js';
import type { RaftStorage } from '../storage/storage.js';
import { MemoryRaftStorage } from '../storage/memory.js';
import { KvStateMachine, encodePut } from './kv-example/kv-state.js';
import { RaftNode } from './raft-node.js';
import type { RaftNodeOptions } from './options.js';

/** One member of an in-process test cluster. */
export interface TestMember {
  id: string;
  node: RaftNode<number>;
  sm: KvStateMachine;
  storage: RaftStorage;
}

/** Fast timings for tests: 10 ms ticks, elections after 100-200 ms. */
export const FAST = { tickMs: 10, electionTick: 10, heartbeatTick: 1 } as const;

/**
 * An in-process cluster over a `MemoryNetwork`, for driver tests. Storage is
 * in memory unless `makeStorage` says otherwise; `restart(id)` keeps storage.
 */
export class TestCluster {
  readonly net = new MemoryNetwork();
  readonly members = new Map<string, TestMember>();

  constructor(
    readonly ids: string[],
    private readonly extra: Partial<RaftNodeOptions<number>> = {},
    private readonly makeStorage: (id: string) => Promise<RaftStorage> = async () =>
      new MemoryRaftStorage({ voters: ids, learners: [] }),
  ) {}

  /** Starts every member. */
  async start(): Promise<void> {
    for (const id of this.ids) await this.startMember(id, await this.makeStorage(id));
  }

  /** Starts (or restarts) `id` on `storage` with a fresh state machine. */
  async startMember(
    id: string,
    storage: RaftStorage,
    sm = new KvStateMachine(),
  ): Promise<TestMember> {
    const peers = Object.fromEntries(this.ids.map((p) => [p, p]));
    const node = new RaftNode<number>({
      ...FAST,
      ...this.extra,
      id,
      peers,
      storage,
      transport: this.net.transport(id),
      stateMachine: sm,
    });
    await node.start();
    const m = { id, node, sm, storage };
    this.members.set(id, m);
    return m;
  }

  /** Waits until exactly one running member is leader and returns it. */
  async leader(timeoutMs = 5000): Promise<TestMember> {
    let found: TestMember | undefined;
    await waitFor(() => {
      const leaders = [...this.members.values()].filter((m) => m.node.isLeader);
      found = leaders.length === 1 ? leaders[0] : undefined;
      return found !== undefined;
    }, timeoutMs);
    return found as TestMember;
  }

  /** Proposes `key=value` on the leader. */
  async put(key: string, value: string): Promise<number> {
    const l = await this.leader();
    return l.node.propose(encodePut({ key, value: new TextEncoder().encode(value) }));
  }

  /** Stops every member and closes its storage. */
  async stop(): Promise<void> {
    for (const m of this.members.values()) {
      await m.node.stop();
      await m.storage.close();
    }
    this.members.clear();
  }
}

/** Polls `cond` every 5 ms until true; throws after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
