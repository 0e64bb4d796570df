import { describe, expect, it } from 'vitest';
import { isSwarmletError } from '@swarmlet/api-types';
import { MemoryStore } from './store.js';
import { InstantProposer } from './proposer.js';
import { sampleService, sampleTask } from './testing.js';
import type { StoreEvent } from './watch.js';

describe('MemoryStore transactions', () => {
  it('update commits through the proposer and stamps versions', async () => {
    const proposer = new InstantProposer();
    const store = new MemoryStore({ proposer });
    const svc = await store.update((tx) => tx.create('service', sampleService()));
    expect(svc.meta.version).toBe(1);
    expect(store.version).toBe(1);
    expect(proposer.proposals).toHaveLength(1);
    expect(proposer.proposals[0]!.actions[0]).toMatchObject({ kind: 'service', op: 'create' });
    expect(store.view((tx) => tx.get('service', svc.id))?.spec.name).toBe('web');
  });

  it('a transaction reads its own writes', async () => {
    const store = new MemoryStore();
    await store.update((tx) => {
      const s = tx.create('service', sampleService());
      expect(tx.get('service', s.id)).toBeDefined();
      expect(tx.find('service')).toHaveLength(1);
      tx.delete('service', s.id);
      expect(tx.find('service')).toHaveLength(0);
    });
    expect(store.count('service')).toBe(0);
    expect(store.version).toBe(0);
  });

  it('a stale update fails with CONFLICT and changes nothing', async () => {
    const store = new MemoryStore();
    const svc = await store.update((tx) => tx.create('service', sampleService()));
    await store.update((tx) =>
      tx.update('service', { ...svc, spec: { ...svc.spec, replicas: 2 } }),
    );
    const err = await store
      .update((tx) => tx.update('service', { ...svc, spec: { ...svc.spec, replicas: 9 } }))
      .catch((e: unknown) => e);
    expect(isSwarmletError(err, 'CONFLICT')).toBe(true);
    expect(store.view((tx) => tx.get('service', svc.id))?.spec.replicas).toBe(2);
  });

  it('a throwing transaction commits nothing', async () => {
    const store = new MemoryStore();
    await expect(
      store.update((tx) => {
        tx.create('service', sampleService());
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(store.count('service')).toBe(0);
  });

  it('a failed proposal applies nothing', async () => {
    const store = new MemoryStore({
      proposer: { propose: () => Promise.reject(new Error('disk full')) },
    });
    await expect(store.update((tx) => tx.create('service', sampleService()))).rejects.toThrow(
      'disk full',
    );
    expect(store.count('service')).toBe(0);
    expect(store.version).toBe(0);
  });

  it('batch commits successful sub-transactions in one proposal and drops failing ones', async () => {
    const proposer = new InstantProposer();
    const store = new MemoryStore({ proposer });
    const svc = await store.update((tx) => tx.create('service', sampleService()));
    const n = await store.batch((b) => {
      b.update((tx) => void tx.create('task', sampleTask(svc, 1)));
      b.update((tx) => {
        tx.create('task', sampleTask(svc, 2));
        throw new Error('skip me');
      });
      b.update((tx) => void tx.create('task', sampleTask(svc, 3)));
    });
    expect(n).toBe(2);
    expect(proposer.proposals).toHaveLength(2);
    const slots = store.view((tx) => tx.tasksOfService(svc.id).map((t) => t.slot)).sort();
    expect(slots).toEqual([1, 3]);
  });

  it('indexes tasks by service and node, following updates and deletes', async () => {
    const store = new MemoryStore();
    const svc = await store.update((tx) => tx.create('service', sampleService()));
    const t = await store.update((tx) => tx.create('task', sampleTask(svc, 1)));
    await store.update((tx) => tx.update('task', { ...t, nodeId: 'n1' }));
    expect(store.view((tx) => tx.tasksOfNode('n1'))).toHaveLength(1);
    await store.update((tx) => tx.delete('task', t.id));
    expect(store.view((tx) => tx.tasksOfNode('n1'))).toHaveLength(0);
    expect(store.view((tx) => tx.tasksOfService(svc.id))).toHaveLength(0);
  });

  it('serialises concurrent writers so versions are dense and ordered', async () => {
    const store = new MemoryStore({
      proposer: { propose: () => new Promise((r) => setTimeout(r, 1)) },
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update((tx) => tx.create('service', sampleService(`s${i}`))),
      ),
    );
    expect(results.map((s) => s.meta.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('MemoryStore watches', () => {
  it('delivers object events then a commit event, in commit order, with the old object', async () => {
    const store = new MemoryStore();
    const q = store.watch({ kinds: ['service'] });
    const svc = await store.update((tx) => tx.create('service', sampleService()));
    await store.update((tx) =>
      tx.update('service', { ...svc, spec: { ...svc.spec, replicas: 3 } }),
    );
    const evs = q.drain();
    expect(evs.map((e) => (e.type === 'commit' ? `commit@${e.version}` : `${e.op}`))).toEqual([
      'create',
      'commit@1',
      'update',
      'commit@2',
    ]);
    const upd = evs[2] as Extract<StoreEvent, { type: 'object' }>;
    expect(upd.old?.spec).toMatchObject({ replicas: 1 });
    q.close();
  });

  it('viewAndWatch has no gap between the snapshot and the stream', async () => {
    const store = new MemoryStore();
    const writes = Array.from({ length: 10 }, (_, i) =>
      store.update((tx) => tx.create('service', sampleService(`s${i}`))),
    );
    await writes[4];
    const { result, events } = store.viewAndWatch((tx) => tx.find('service').length, {
      kinds: ['service'],
    });
    await Promise.all(writes);
    const created = events.drain().filter((e) => e.type === 'object').length;
    expect(result + created).toBe(10);
    events.close();
  });

  it('ends the iterator when the signal aborts', async () => {
    const store = new MemoryStore();
    const ac = new AbortController();
    const q = store.watch({ signal: ac.signal });
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of q) seen.push(ev.type);
    })();
    await store.update((tx) => tx.create('service', sampleService()));
    ac.abort();
    await done;
    expect(seen).toEqual(['object', 'commit']);
  });

  it('fails a watcher that overflows its bound instead of growing without limit', async () => {
    const store = new MemoryStore();
    const q = store.watch({ limit: 3 });
    await store.update((tx) => void tx.create('service', sampleService('a')));
    await store.update((tx) => void tx.create('service', sampleService('b')));
    await expect(q.next()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
