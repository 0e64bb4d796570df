import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi } from '@swarmlet/api';
import type { ControlApi } from '@swarmlet/api-types';
import { ControlServer } from '@swarmlet/manager';
import { MemoryStore, sampleService } from '@swarmlet/store';

/**
 * The daemon's event path end to end without Docker: store → ControlServer's EventLog →
 * GET /v1/events on a real TCP listener → a client that stops reading.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('GET /v1/events over the manager event log', () => {
  it('a reader that stops reading is dropped after its backlog, told where to resume', async () => {
    const store = new MemoryStore();
    const control = new ControlServer(store, { events: { backlog: 20, capacity: 200_000 } });
    cleanups.push(() => control.close());
    const api = { events: (r, s) => control.events(r, s) } as Pick<ControlApi, 'events'>;
    const app = buildApi({ control: api as ControlApi });
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const { port } = app.server.address() as AddressInfo;

    const socket = connect(port, '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => (closed = true));
    socket.write('GET /v1/events?type=service HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
    await waitFor('the subscription', () => control.eventLog.subscribers === 1);
    socket.pause(); // from now on the kernel buffers fill, then the route waits for drain

    const name = (i: number): string => `svc-${i}-${'x'.repeat(200)}`;
    let created = 0;
    while (control.eventLog.subscribers === 1 && created < 200_000) {
      await store.update((tx) => tx.create('service', sampleService(name(created))));
      created++;
    }
    expect(control.eventLog.subscribers).toBe(0);

    socket.resume();
    await waitFor('the server to end the stream', () => closed);
    const frames = Buffer.concat(chunks).toString('utf8').split('\n\n');
    const events = frames.filter((f) => f.startsWith('id: '));
    const last = frames.filter((f) => f !== '').at(-1) ?? '';
    expect(last).toMatch(
      /^event: error\ndata: \{"code":"UNAVAILABLE","message":"event stream dropped: the reader fell more than 20 events behind; resume with Last-Event-ID (\d+-\d+)"\}$/,
    );
    const resumeId = /Last-Event-ID (\d+-\d+)/.exec(last)?.[1];
    // Everything delivered came in order up to the id the error names; the rest was not queued.
    expect(events.at(-1)?.split('\n')[0]).toBe(`id: ${resumeId}`);
    expect(events.length).toBeLessThan(created);

    // Resuming from that id gets exactly what followed, from the ring.
    const until = new Date(Date.now() + 1000).toISOString();
    const res = await app.inject({
      url: `/v1/events?type=service&until=${until}`,
      headers: { 'last-event-id': resumeId ?? '' },
    });
    const resumed = res.body.split('\n\n').filter((f) => f.startsWith('id: '));
    expect(resumed).toHaveLength(created - events.length);
    expect(resumed.at(-1)).toContain(name(created - 1));
  }, 60_000);
});
