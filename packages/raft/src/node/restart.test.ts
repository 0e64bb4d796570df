import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../storage/file-storage.js';
import { KvStateMachine } from './kv-example/kv-state.js';
import { TestCluster, waitFor } from './test-cluster.js';

const IDS = ['a', 'b', 'c'];
let dir: string;
let cluster: TestCluster | undefined;
const openStorage = (id: string): Promise<FileStorage> =>
  FileStorage.open(path.join(dir, id), { initialConf: { voters: IDS, learners: [] } });

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A state machine that survives restarts and reports how far it got. */
class PersistentKv extends KvStateMachine {
  appliedIndex(): number {
    return this.lastIndex;
  }
}

async function fill(c: TestCluster, n: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < n; i++) last = await c.put(`k${i % 7}`, `v${i}`);
  await waitFor(() => [...c.members.values()].every((m) => m.node.appliedIndex >= last));
  return last;
}

describe('RaftNode across restarts with file storage', () => {
  it('an in-memory state machine is rebuilt from snapshot + log, each entry applied once', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'raft-restart-'));
    cluster = new TestCluster(IDS, { snapshotEvery: 10, catchUpEntries: 3 }, openStorage);
    await cluster.start();
    const last = await fill(cluster, 35);
    const before = new Map([...cluster.members].map(([id, m]) => [id, new Map(m.sm.data)]));
    await cluster.stop();
    cluster = new TestCluster(IDS, { snapshotEvery: 10, catchUpEntries: 3 }, openStorage);
    await cluster.start();
    await cluster.leader();
    for (const [id, m] of cluster.members) {
      await waitFor(() => m.node.appliedIndex >= last);
      expect(m.sm.applies).toBeLessThan(35); // the snapshot covered the start
      expect(m.sm.data).toEqual(before.get(id));
    }
    await cluster.put('k0', 'after');
  });

  it('a persistent state machine resumes after its applied index: nothing twice, nothing skipped', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'raft-restart-'));
    const sms = new Map(IDS.map((id) => [id, new PersistentKv()]));
    cluster = new TestCluster(IDS, { snapshotEvery: 1000 }, openStorage);
    for (const id of IDS) await cluster.startMember(id, await openStorage(id), sms.get(id));
    const last = await fill(cluster, 20);
    await cluster.stop();
    const applies = IDS.map((id) => sms.get(id)!.applies);
    expect(applies).toEqual([20, 20, 20]);
    cluster = new TestCluster(IDS, { snapshotEvery: 1000 }, openStorage);
    for (const id of IDS) await cluster.startMember(id, await openStorage(id), sms.get(id));
    const next = await cluster.put('k1', 'new');
    expect(next).toBeGreaterThan(last);
    await waitFor(() => IDS.every((id) => sms.get(id)!.applies === 21));
    for (const sm of sms.values()) expect(new TextDecoder().decode(sm.get('k1'))).toBe('new');
  });
});
