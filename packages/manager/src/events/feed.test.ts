import { describe, expect, it } from 'vitest';
import type { EventStreamItem } from '@swarmlet/api-types';
import { MemoryStore, sampleService } from '@swarmlet/store';
import { ControlServer } from '../controlapi/controlapi.js';

describe('EventFeed through ControlServer.events', () => {
  it('streams what the store commits after the server was built, until aborted', async () => {
    const store = new MemoryStore();
    await store.update((tx) => tx.create('service', sampleService('before')));
    const control = new ControlServer(store);
    const ac = new AbortController();
    const stream = await control.events({ filters: { type: ['service'] } }, ac.signal);
    const seen: EventStreamItem[] = [];
    const reading = (async () => {
      for await (const item of stream) {
        seen.push(item);
        if (seen.length === 2) ac.abort();
      }
    })();
    const svc = await store.update((tx) => tx.create('service', sampleService('web')));
    await store.update((tx) => tx.delete('service', svc.id));
    await reading;
    expect(
      seen.map((i) => (i.kind === 'event' ? `${i.event.id} ${i.event.action}` : i.kind)),
    ).toEqual(['2-0 create', '3-0 remove']);
    expect(control.eventLog.subscribers).toBe(0);
    await control.close();
    await store.update((tx) => tx.create('service', sampleService('after')));
    await new Promise((r) => setTimeout(r, 10));
    expect(control.eventLog.retained().map((e) => e.actor.attributes['name'])).toEqual([
      'web',
      'web',
    ]);
  });

  it("a follower's store, applied from the leader's proposals, gives the same events and ids", async () => {
    const follower = new MemoryStore();
    const leader = new MemoryStore({
      proposer: { propose: async (p) => follower.applyCommitted(structuredClone(p)) },
    });
    const onLeader = new ControlServer(leader);
    const onFollower = new ControlServer(follower);
    const svc = await leader.update((tx) => tx.create('service', sampleService('web')));
    await leader.update((tx) =>
      tx.update('service', { ...svc, spec: { ...svc.spec, replicas: 4 } }),
    );
    await leader.update((tx) => tx.delete('service', svc.id));
    await new Promise((r) => setTimeout(r, 10));
    const show = (c: ControlServer) =>
      c.eventLog
        .retained()
        .map((e) => `${e.id} ${e.action} ${e.actor.attributes['replicas.new'] ?? ''}`);
    expect(show(onFollower)).toEqual(['1-0 create ', '2-0 update 4', '3-0 remove ']);
    expect(show(onFollower)).toEqual(show(onLeader));
    // A snapshot installed on the follower (restore emits nothing) is a gap: the log says so.
    const snap = leader.snapshot();
    const far = new MemoryStore();
    const late = new ControlServer(far);
    far.restore(snap);
    far.applyCommitted({ version: snap.version + 1, actions: [] });
    await new Promise((r) => setTimeout(r, 10));
    const ac = new AbortController();
    const items = await late.events({ lastEventId: '1-0' }, ac.signal);
    const it = items[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ kind: 'notice' });
    ac.abort();
    await Promise.all([onLeader.close(), onFollower.close(), late.close()]);
  });
});
