import { silentLogger, type Node } from '@swarmlet/api-types';
import type { ApplyOutcome } from '@swarmlet/manager';
import type { RaftNode, RaftStatus } from '@swarmlet/raft';
import { MemoryStore } from '@swarmlet/store';
import { describe, expect, it } from 'vitest';
import { reconcileMembership } from './membership.js';

interface FakeRaft {
  status: RaftStatus;
  calls: string[];
}

function fakeRaft(f: FakeRaft): RaftNode<ApplyOutcome> {
  return {
    status: () => f.status,
    peerAddr: (id: string) => `${id}.addr:4242`,
    transferLeader: (to: string) => f.calls.push(`transfer ${to}`),
    removeNode: async (id: string) => void f.calls.push(`remove ${id}`),
    addVoter: async (id: string) => void f.calls.push(`promote ${id}`),
  } as unknown as RaftNode<ApplyOutcome>;
}

function status(
  voters: string[],
  learners: string[],
  progress: Record<string, { match: number; recentActive: boolean }>,
  commit = 10,
): RaftStatus {
  return {
    id: 'm1',
    hardState: { term: 2, vote: 'm1', commit },
    softState: { lead: 'm1', role: 'leader' },
    applied: commit,
    confState: { voters, learners },
    leadTransferee: '',
    progress: Object.fromEntries(
      Object.entries(progress).map(([id, p]) => [
        id,
        { ...p, next: p.match + 1, state: 'replicate', isLearner: learners.includes(id) },
      ]),
    ),
  } as unknown as RaftStatus;
}

async function storeWith(
  nodes: { id: string; role: 'manager' | 'worker' }[],
): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.update((tx) => {
    for (const n of nodes) {
      tx.create('node', {
        id: n.id,
        spec: { role: n.role, availability: 'active', labels: {} },
        description: {
          hostname: n.id,
          platform: { os: 'linux', arch: 'x86_64' },
          resources: { nanoCpus: 1e9, memoryBytes: 1e9 },
          engine: { version: '20.10', labels: {} },
        },
        status: { state: 'ready', message: '', addr: '' },
      });
    }
  });
  return store;
}

/** Every listed member caught up (match 10) and recently active. */
function allActive(voters: string[], learners: string[] = []): RaftStatus {
  const progress = Object.fromEntries(
    [...voters, ...learners].map((id) => [id, { match: 10, recentActive: true }]),
  );
  return status(voters, learners, progress);
}

const ms = (store: MemoryStore, id: string): Node['managerStatus'] =>
  store.view((tx) => tx.get('node', id))?.managerStatus;

describe('the leader membership pass', () => {
  it('reports leader, reachable voters and joining learners, and does not flap between check-quorum rounds', async () => {
    const store = await storeWith([
      { id: 'm1', role: 'manager' },
      { id: 'm2', role: 'manager' },
      { id: 'm3', role: 'manager' },
      { id: 'w1', role: 'worker' },
    ]);
    const f: FakeRaft = {
      status: status(['m1', 'm2'], ['m3'], {
        m1: { match: 10, recentActive: true },
        m2: { match: 10, recentActive: true },
        m3: { match: 2, recentActive: true },
      }),
      calls: [],
    };
    const lastActive = new Map<string, number>();
    let now = 1_000;
    const deps = {
      selfId: 'm1',
      raft: fakeRaft(f),
      store,
      log: silentLogger,
      lastActive,
      graceMs: 2_000,
      now: () => now,
    };
    await reconcileMembership(deps);
    expect(ms(store, 'm1')).toEqual({
      leader: true,
      reachability: 'reachable',
      addr: 'm1.addr:4242',
    });
    expect(ms(store, 'm2')).toMatchObject({ leader: false, reachability: 'reachable' });
    expect(ms(store, 'm3')).toMatchObject({ reachability: 'joining' });
    expect(ms(store, 'w1')).toBeUndefined();
    expect(f.calls).toEqual([]); // m3 has not caught up: not promoted

    // Check-quorum cleared recentActive 100 ms ago: still reachable, nothing written.
    f.status = status(['m1', 'm2'], ['m3'], {
      m1: { match: 10, recentActive: true },
      m2: { match: 10, recentActive: false },
      m3: { match: 2, recentActive: false },
    });
    now += 100;
    const version = store.version;
    await reconcileMembership(deps);
    expect(store.version).toBe(version);
    // Silent for longer than the grace: unreachable.
    now += 2_500;
    await reconcileMembership(deps);
    expect(ms(store, 'm2')).toMatchObject({ reachability: 'unreachable' });
  });

  it('promotes a caught-up learner of a manager node, one change per pass', async () => {
    const store = await storeWith([
      { id: 'm1', role: 'manager' },
      { id: 'm2', role: 'manager' },
      { id: 'm3', role: 'manager' },
    ]);
    const f: FakeRaft = { status: allActive(['m1'], ['m2', 'm3']), calls: [] };
    const deps = {
      selfId: 'm1',
      raft: fakeRaft(f),
      store,
      log: silentLogger,
      lastActive: new Map(),
      graceMs: 2_000,
    };
    await reconcileMembership(deps);
    expect(f.calls).toEqual(['promote m2']);
  });

  it('removes a demoted or deleted member, and a demoted leader hands leadership to an active voter first', async () => {
    const store = await storeWith([
      { id: 'm1', role: 'manager' },
      { id: 'm2', role: 'worker' },
      { id: 'm3', role: 'manager' },
    ]);
    const f: FakeRaft = { status: allActive(['m1', 'm2', 'm3']), calls: [] };
    const deps = {
      selfId: 'm1',
      raft: fakeRaft(f),
      store,
      log: silentLogger,
      lastActive: new Map(),
      graceMs: 2_000,
    };
    await reconcileMembership(deps);
    expect(f.calls).toEqual(['remove m2']);

    await store.update((tx) => {
      const m1 = tx.get('node', 'm1');
      if (m1) tx.update('node', { ...m1, spec: { ...m1.spec, role: 'worker' } });
    });
    f.status = allActive(['m1', 'm3']);
    f.calls = [];
    await reconcileMembership(deps);
    expect(f.calls).toEqual(['transfer m3']);
  });
});
