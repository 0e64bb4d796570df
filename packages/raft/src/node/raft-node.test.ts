import { afterEach, describe, expect, it } from 'vitest';
import { encodePut } from './kv-example/kv-state.js';
import { LeadershipLostError, NotLeaderError, RaftNodeError } from './errors.js';
import { MemoryRaftStorage } from '../storage/memory.js';
import { TestCluster, waitFor } from './test-cluster.js';

const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : new TextDecoder().decode(b);
const put = (k: string, v: string): Uint8Array =>
  encodePut({ key: k, value: new TextEncoder().encode(v) });

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('RaftNode driver', () => {
  it('elects a leader and applies proposals on every member in the same order', async () => {
    cluster = new TestCluster(['a', 'b', 'c']);
    await cluster.start();
    const leader = await cluster.leader();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => leader.node.propose(put(`k${i % 10}`, `v${i}`))),
    );
    expect(new Set(results).size).toBe(200);
    expect(results).toEqual([...results].sort((x, y) => x - y));
    const last = Math.max(...results);
    await waitFor(() => [...cluster!.members.values()].every((m) => m.node.appliedIndex >= last));
    for (const m of cluster.members.values()) {
      expect(m.sm.applies).toBe(200);
      for (let k = 0; k < 10; k++) expect(text(m.sm.get(`k${k}`))).toBe(`v${190 + k}`);
    }
  });

  it('batches concurrent proposals into few fsyncs', async () => {
    cluster = new TestCluster(['a', 'b', 'c']);
    await cluster.start();
    const leader = await cluster.leader();
    const saves = countSaves(leader.storage);
    await Promise.all(Array.from({ length: 500 }, (_, i) => leader.node.propose(put('k', `${i}`))));
    expect(saves()).toBeLessThan(50);
  });

  it('rejects proposals on a follower with NotLeaderError naming the leader', async () => {
    cluster = new TestCluster(['a', 'b', 'c']);
    await cluster.start();
    const leader = await cluster.leader();
    const follower = [...cluster.members.values()].find((m) => m !== leader)!;
    await waitFor(() => follower.node.leader === leader.id);
    const err = await follower.node.propose(put('x', 'y')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leader).toBe(leader.id);
  });

  it('rejects in-flight proposals with LeadershipLostError when the leader is cut off', async () => {
    cluster = new TestCluster(['a', 'b', 'c']);
    await cluster.start();
    const old = await cluster.leader();
    cluster.net.isolate(old.id);
    const pending = old.node.propose(put('lost', '1')).catch((e: unknown) => e);
    expect(await pending).toBeInstanceOf(LeadershipLostError);
    await waitFor(() => [...cluster!.members.values()].some((m) => m !== old && m.node.isLeader));
    cluster.net.heal();
    await waitFor(() => !old.node.isLeader);
    expect(await cluster.put('after', '2')).toBeGreaterThan(0);
  });

  it('serves linearizable reads through readIndex on leader and followers', async () => {
    cluster = new TestCluster(['a', 'b', 'c']);
    await cluster.start();
    const idx = await cluster.put('r', '1');
    for (const m of cluster.members.values()) {
      const read = await m.node.readIndex();
      expect(read).toBeGreaterThanOrEqual(idx);
      expect(m.node.appliedIndex).toBeGreaterThanOrEqual(read);
      expect(text(m.sm.get('r'))).toBe('1');
    }
  });

  it('snapshots every N entries, compacts, catches up a learner from a snapshot, promotes and removes it', async () => {
    cluster = new TestCluster(['a', 'b', 'c'], { snapshotEvery: 50, catchUpEntries: 10 });
    await cluster.start();
    const leader = await cluster.leader();
    for (let i = 0; i < 120; i++) await leader.node.propose(put(`k${i}`, `v${i}`));
    // Snapshots are written in the background: wait for the one at >= 100 and its compaction.
    await waitFor(() => leader.storage.snapshot().meta.index >= 100);
    await waitFor(() => leader.storage.firstIndex() > 50);
    const d = await cluster.startMember('d', new MemoryRaftStorage());
    const asLearner = await leader.node.addLearner('d', 'd');
    expect(asLearner.learners).toEqual(['d']);
    await waitFor(() => d.sm.get('k119') !== undefined);
    expect(text(d.sm.get('k0'))).toBe('v0');
    expect(d.sm.applies).toBeLessThan(120); // most of the log arrived as a snapshot
    await waitFor(() => d.node.appliedIndex >= leader.node.appliedIndex);
    // The leader sees d caught up only once d's acknowledgement arrives: retry until it has.
    let promoted: Awaited<ReturnType<typeof leader.node.addVoter>> | undefined;
    for (let i = 0; !promoted; i++) {
      promoted = await leader.node.addVoter('d', 'd').catch((err: unknown) => {
        if (i > 200 || !String(err).includes('learner-not-caught-up')) throw err;
        return new Promise<undefined>((r) => setTimeout(() => r(undefined), 10));
      });
    }
    expect(promoted.voters).toContain('d');
    expect(promoted.learners).toEqual([]);
    expect(await cluster.put('k-after', 'x')).toBeGreaterThan(0);
    await waitFor(() => d.sm.get('k-after') !== undefined);
    const rm = await leader.node.removeNode('d');
    expect(rm.voters).not.toContain('d');
  });

  it('rejects requests after stop with code stopped', async () => {
    cluster = new TestCluster(['a']);
    await cluster.start();
    const l = await cluster.leader();
    await l.node.stop();
    const err = await l.node.propose(put('a', 'b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaftNodeError);
    expect((err as RaftNodeError).code).toBe('stopped');
  });
});

describe('RaftNode failure handling', () => {
  it('stops on a storage failure: onFatal, pending and later requests reject with stopped', async () => {
    class FailingStorage extends MemoryRaftStorage {
      fail = false;
      override async save(...args: Parameters<MemoryRaftStorage['save']>): Promise<void> {
        if (this.fail) throw new Error('EIO: disk gone');
        return super.save(...args);
      }
    }
    const storage = new FailingStorage({ voters: ['solo'], learners: [] });
    const fatal: unknown[] = [];
    cluster = new TestCluster(['solo'], { onFatal: (e) => fatal.push(e) }, async () => storage);
    await cluster.start();
    const { node } = await cluster.leader();
    await node.propose(put('ok', '1'));
    storage.fail = true;
    const err = await node.propose(put('lost', '2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaftNodeError);
    expect(err).toMatchObject({ code: 'stopped' });
    expect(String((err as RaftNodeError).cause)).toMatch(/EIO/);
    expect(fatal).toHaveLength(1);
    await expect(node.propose(put('after', '3'))).rejects.toMatchObject({ code: 'stopped' });
    await expect(node.readIndex()).rejects.toMatchObject({ code: 'stopped' });
  });
});

function countSaves(storage: { save: (...a: never[]) => Promise<void> }): () => number {
  let n = 0;
  const orig = storage.save.bind(storage);
  storage.save = (...a: never[]) => {
    n++;
    return orig(...a);
  };
  return () => n;
}
