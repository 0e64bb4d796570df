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
});
