import { describe, expect, it } from 'vitest';
import { isSwarmletError, type EventStreamItem, type EventsRequest } from '@swarmlet/api-types';
import { MemoryStore, sampleService, sampleTask, type WatchQueue } from '@swarmlet/store';
import { EventLog, type EventLogOptions } from './event-log.js';
import type { EventSubscription } from './subscription.js';

const T0 = Date.parse('2026-11-21T12:00:00.000Z');

/** A store on a manual clock feeding an EventLog synchronously after every write. */
async function setup(opts: EventLogOptions = {}) {
  const clock = { t: T0 };
  const now = (): Date => new Date(clock.t);
  const store = new MemoryStore({ now });
  const q: WatchQueue = store.watch();
  const timers: { fn: () => void; at: number }[] = [];
  const log = new EventLog(store.version, {
    now,
    setTimer: (fn, ms) => {
      const t = { fn, at: clock.t + ms };
      timers.push(t);
      return { cancel: () => timers.splice(timers.indexOf(t), 1) };
    },
    ...opts,
  });
  const pump = (): void => {
    for (const ev of q.drain()) log.apply(ev);
  };
  /** Creates service `name` with one task at the current time, one second apart. */
  const service = async (name: string) => {
    const svc = await store.update((tx) => tx.create('service', sampleService(name)));
    const task = await store.update((tx) => tx.create('task', sampleTask(svc, 1)));
    pump();
    clock.t += 1000;
    return { svc, task };
  };
  /** `until` at the current time: the stream ends after its replay. */
  const past = (): string => new Date(clock.t).toISOString();
  return { store, clock, log, pump, service, timers, past };
}

/** Reads everything the subscription yields until it ends (it must end). */
async function readAll(sub: EventSubscription): Promise<EventStreamItem[]> {
  const out: EventStreamItem[] = [];
  for await (const item of sub) out.push(item);
  return out;
}

const describeItems = (items: EventStreamItem[]): string[] =>
  items.map((i) =>
    i.kind === 'notice'
      ? 'notice'
      : `${i.event.id} ${i.event.type} ${i.event.action} ${i.event.actor.attributes['name']}`,
  );

describe('EventLog', () => {
  it('ids are <store index>-<n>, in commit order', async () => {
    const { log, store, pump } = await setup();
    await store.update((tx) => {
      const s = tx.create('service', sampleService('a'));
      tx.create('task', sampleTask(s, 1));
    });
    await store.update((tx) => tx.delete('service', tx.find('service')[0]!.id));
    pump();
    expect(log.retained().map((e) => `${e.id} ${e.type} ${e.action}`)).toEqual([
      '1-0 service create',
      '1-1 task create',
      '2-0 service remove',
    ]);
  });

  it('keeps only the last `capacity` events; asking for older ones starts with a notice', async () => {
    const { log, service, past } = await setup({ capacity: 3 });
    for (const name of ['a', 'b', 'c']) await service(name); // 6 events, 3 kept
    expect(log.retained().map((e) => e.actor.attributes['name'])).toEqual(['b.1', 'c', 'c.1']);
    const all = await readAll(log.subscribe({ since: new Date(T0).toISOString(), until: past() }));
    expect(all[0]).toMatchObject({ kind: 'notice' });
    expect((all[0] as { message: string }).message).toContain('are not available');
    expect(describeItems(all.slice(1))).toEqual([
      '4-0 task create b.1',
      '5-0 service create c',
      '6-0 task create c.1',
    ]);
    // Resuming after a kept event: no notice, exactly what followed.
    const resumed = await readAll(log.subscribe({ lastEventId: '5-0', until: past() }));
    expect(describeItems(resumed)).toEqual(['6-0 task create c.1']);
    // Resuming after an evicted one: the gap is announced.
    const late = await readAll(log.subscribe({ lastEventId: '1-0', until: past() }));
    expect(describeItems(late)).toEqual([
      'notice',
      '4-0 task create b.1',
      '5-0 service create c',
      '6-0 task create c.1',
    ]);
    // A reader resuming from an id this manager has not reached yet gets nothing twice.
    const ahead = log.subscribe({ lastEventId: '7-0' });
    await service('d'); // 7-0 (seen elsewhere), 8-0
    const first = await ahead.next();
    expect(first.value).toMatchObject({ kind: 'event', event: { id: '8-0' } });
    ahead.close();
  });

  it('since and until select by event time; until in the past ends the stream after the replay', async () => {
    const { log, service } = await setup();
    await service('a'); // T0
    await service('b'); // T0 + 1 s
    await service('c'); // T0 + 2 s
    const items = await readAll(
      log.subscribe({
        since: new Date(T0 + 1000).toISOString(),
        until: new Date(T0 + 1500).toISOString(),
      }),
    );
    expect(describeItems(items)).toEqual(['3-0 service create b', '4-0 task create b.1']);
    expect(log.subscribers).toBe(0);
  });

  it('without since, only live events; an until in the future ends the stream when it passes', async () => {
    const { log, service, clock, timers } = await setup();
    await service('old');
    const sub = log.subscribe({ until: new Date(clock.t + 5000).toISOString() });
    await service('new');
    expect(timers).toHaveLength(1);
    clock.t = timers[0]!.at;
    timers[0]!.fn();
    await service('after');
    expect(describeItems(await readAll(sub))).toEqual([
      '3-0 service create new',
      '4-0 task create new.1',
    ]);
  });

  it('filters: type, event, name (a service and its tasks), id prefix; bad values are refused', async () => {
    const { log, service, store, pump, past } = await setup();
    const { svc } = await service('web');
    await service('db');
    await store.update((tx) => tx.delete('service', svc.id));
    pump();
    const read = async (filters: EventsRequest['filters']) =>
      describeItems(
        await readAll(log.subscribe({ filters, since: new Date(T0).toISOString(), until: past() })),
      );
    expect(await read({ type: ['service'] })).toEqual([
      '1-0 service create web',
      '3-0 service create db',
      '5-0 service remove web',
    ]);
    expect(await read({ type: ['service'], event: ['remove'] })).toEqual([
      '5-0 service remove web',
    ]);
    expect(await read({ name: ['web'] })).toEqual([
      '1-0 service create web',
      '2-0 task create web.1',
      '5-0 service remove web',
    ]);
    expect(await read({ id: [svc.id.slice(0, 6)], event: ['create'] })).toEqual([
      '1-0 service create web',
    ]);
    for (const bad of [
      { type: ['container'] },
      { event: ['die'] },
    ] as unknown as EventsRequest['filters'][]) {
      let caught: unknown;
      try {
        log.subscribe({ filters: bad });
      } catch (err) {
        caught = err;
      }
      expect(isSwarmletError(caught, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(() => log.subscribe({ since: 'yesterday' })).toThrow(/invalid since/);
    expect(() => log.subscribe({ lastEventId: 'abc' })).toThrow(/Last-Event-ID/);
  });

  it('a reader that falls more than `backlog` events behind is dropped with UNAVAILABLE', async () => {
    const { log, service } = await setup({ backlog: 3 });
    const sub = log.subscribe({});
    await service('a');
    const first = await sub.next();
    expect(first.value).toMatchObject({ kind: 'event', event: { id: '1-0' } });
    await service('b');
    await service('c'); // 4 waiting > 3
    expect(log.subscribers).toBe(0);
    await expect(sub.next()).rejects.toThrow(
      /fell more than 3 events behind; resume with Last-Event-ID 1-0/,
    );
    const fast = log.subscribe({});
    await service('d');
    expect(log.subscribers).toBe(1);
    fast.close();
    expect(log.subscribers).toBe(0);
  });

  it('one commit bigger than the backlog goes in whole to a reader that was keeping up', async () => {
    const { log, store, pump, service } = await setup({ backlog: 3 });
    const sub = log.subscribe({});
    await store.update((tx) => {
      for (const n of ['a', 'b', 'c', 'd', 'e']) tx.create('service', sampleService(n));
    });
    pump();
    expect(log.subscribers).toBe(1);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await sub.next();
      if (r.value?.kind === 'event') names.push(r.value.event.actor.attributes['name'] ?? '');
    }
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    await service('f');
    expect(log.subscribers).toBe(1);
    sub.close();
  });

  it('an aborted signal ends the stream and unsubscribes', async () => {
    const { log } = await setup();
    const ac = new AbortController();
    const sub = log.subscribe({}, ac.signal);
    const pending = sub.next();
    expect(log.subscribers).toBe(1);
    ac.abort();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(log.subscribers).toBe(0);
  });

  it('a jump in store versions (snapshot installed) clears the ring and moves the floor', async () => {
    const { log, service, past } = await setup();
    await service('a');
    log.apply({ type: 'commit', version: 10 });
    expect(log.retained()).toEqual([]);
    const items = await readAll(log.subscribe({ lastEventId: '2-0', until: past() }));
    expect(items.map((i) => i.kind)).toEqual(['notice']);
    const after = await readAll(log.subscribe({ lastEventId: '10-0', until: past() }));
    expect(after).toEqual([]);
  });
});
