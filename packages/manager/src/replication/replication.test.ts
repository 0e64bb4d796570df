import { isSwarmletError } from '@swarmlet/api-types';
import { MemoryNetwork, MemoryRaftStorage, RaftNode } from '@swarmlet/raft';
import { MemoryStore, sampleService } from '@swarmlet/store';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeProposal } from './codec.js';
import { RaftProposer } from './proposer.js';
import { StoreStateMachine, type ApplyOutcome } from './state-machine.js';

interface Member {
  id: string;
  store: MemoryStore;
  node: RaftNode<ApplyOutcome>;
  storage: MemoryRaftStorage;
  sm: StoreStateMachine;
}

const IDS = ['m1', 'm2', 'm3'];
const META = { version: 1, createdAt: '', updatedAt: '' };

async function startMember(
  net: MemoryNetwork,
  id: string,
  storage = new MemoryRaftStorage({ voters: IDS, learners: [] }),
): Promise<Member> {
  const late: { node?: RaftNode<ApplyOutcome> } = {};
  const store = new MemoryStore({
    proposer: { propose: (p) => new RaftProposer(late.node as RaftNode<ApplyOutcome>).propose(p) },
  });
  const sm = new StoreStateMachine(store);
  const node = new RaftNode<ApplyOutcome>({
    id,
    peers: Object.fromEntries(IDS.map((p) => [p, p])),
    storage,
    transport: net.transport(id),
    stateMachine: sm,
    tickMs: 10,
    electionTick: 10,
    snapshotEvery: 20,
    catchUpEntries: 5,
  });
  late.node = node;
  await node.start();
  return { id, store, node, storage, sm };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('store replicated with Raft', () => {
  let members: Member[] = [];
  afterEach(async () => {
    for (const m of members) await m.node.stop();
    members = [];
  });

  async function cluster(): Promise<{ net: MemoryNetwork; leader: () => Member }> {
    const net = new MemoryNetwork();
    for (const id of IDS) members.push(await startMember(net, id));
    const leader = (): Member => {
      const ls = members.filter((m) => m.node.isLeader);
      if (ls.length !== 1) throw new Error(`${ls.length} leaders`);
      return ls[0] as Member;
    };
    await until(() => members.filter((m) => m.node.isLeader).length === 1);
    return { net, leader };
  }

  it('a write on the leader reaches every manager, with the same version', async () => {
    const { leader } = await cluster();
    const svc = await leader().store.update((tx) => tx.create('service', sampleService('web')));
    await until(() => members.every((m) => m.store.view((tx) => tx.get('service', svc.id))));
    for (const m of members) {
      expect(m.store.version).toBe(1);
      expect(m.store.view((tx) => tx.get('service', svc.id))?.spec.name).toBe('web');
    }
  });

  it('a follower refuses writes with UNAVAILABLE naming the leader, and applies nothing', async () => {
    const { leader } = await cluster();
    const follower = members.find((m) => !m.node.isLeader) as Member;
    const err = await follower.store
      .update((tx) => tx.create('service', sampleService('web')))
      .catch((e: unknown) => e);
    expect(isSwarmletError(err, 'UNAVAILABLE')).toBe(true);
    expect((err as { details?: { leader?: string } }).details?.leader).toBe(leader().id);
    expect(follower.store.count('service')).toBe(0);
  });

  it('an entry built on a stale version is refused on every replica (compare-and-set)', async () => {
    const { leader } = await cluster();
    const l = leader();
    await l.store.update((tx) => tx.create('service', sampleService('a')));
    // A proposal a deposed leader built at version 0 (it never saw version 1).
    const stale = encodeProposal({
      version: 1,
      actions: [
        {
          kind: 'service',
          op: 'create',
          object: { ...sampleService('b'), id: 'stale', meta: META },
        },
      ],
    });
    await expect(l.node.propose(stale)).resolves.toBe('conflict');
    await until(() => members.every((m) => m.node.appliedIndex === l.node.appliedIndex));
    for (const m of members) {
      expect(m.store.view((tx) => tx.get('service', 'stale'))).toBeUndefined();
      expect(m.store.version).toBe(1);
    }
  });

  it('after the leader stops, a new leader takes writes; the old one catches up on restart', async () => {
    const { net, leader } = await cluster();
    const old = leader();
    for (let i = 0; i < 30; i++) {
      await old.store.update((tx) => tx.create('service', sampleService(`s${i}`)));
    }
    await old.node.stop();
    members = members.filter((m) => m !== old);
    await until(() => members.filter((m) => m.node.isLeader).length === 1);
    const next = leader();
    for (let i = 30; i < 60; i++) {
      await next.store.update((tx) => tx.create('service', sampleService(`s${i}`)));
    }
    // Restart the old leader on its log with an empty store: snapshot + replay rebuild it.
    const back = await startMember(net, old.id, old.storage);
    members.push(back);
    await until(() => back.store.count('service') === 60, 10_000);
    expect(back.store.version).toBe(next.store.version);
    expect(back.store.snapshot()).toEqual(next.store.snapshot());
  });
});
