import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { makeMessage } from '../core/util.js';
import { decodeFrame } from './codec.js';
import { WsTransport } from './ws-transport.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WsTransport backpressure', () => {
  it('stops writing while the socket buffer is full, queues up to the bound, drops the rest', async () => {
    // A receiver that stops reading: the kernel buffers fill, then ws.bufferedAmount grows.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/raft' });
    await new Promise((r) => wss.once('listening', r));
    cleanup.push(() => new Promise((r) => wss.close(() => r(undefined))));
    let socket: Socket | undefined;
    const got: number[] = [];
    wss.on('connection', (ws, req) => {
      socket = req.socket;
      socket.pause();
      ws.on('message', (d: Buffer) => got.push(...decodeFrame(d).map((m) => m.index)));
    });
    const a = new WsTransport({
      id: 'a',
      port: 0,
      maxQueue: 50,
      maxBufferedBytes: 1 << 20,
      maxBatch: 1,
      keepaliveMs: 0, // the receiver stops reading on purpose; keepalive is tested apart
    });
    await a.start();
    cleanup.push(() => a.stop());
    a.addPeer('b', `127.0.0.1:${(wss.address() as AddressInfo).port}`);
    await until(() => a.stats()['b']?.connects === 1 && socket !== undefined);

    const data = new Uint8Array(64 * 1024).fill(1);
    const total = 600; // 38 MiB: more than loopback socket buffers plus the 1 MiB limit
    for (let i = 0; i < total; i++) {
      a.send([
        makeMessage({
          type: 'MsgApp',
          from: 'a',
          to: 'b',
          index: i,
          entries: [{ term: 1, index: i + 1, type: 'normal', data }],
        }),
      ]);
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20)); // let flushes run
    }
    await until(() => (a.stats()['b']?.queued ?? 0) > 0);
    const paused = a.stats()['b']!;
    expect(paused.dropped).toBeGreaterThan(0);
    expect(paused.sent + paused.queued + paused.dropped).toBe(total);

    socket!.resume();
    await until(() => a.stats()['b']?.queued === 0 && got.length === a.stats()['b']?.sent);
    const after = a.stats()['b']!;
    expect(after.sent + after.dropped).toBe(total);
    expect(got).toEqual([...got].sort((x, y) => x - y)); // delivered in order, none duplicated
    expect(new Set(got).size).toBe(got.length);
  }, 30_000);
});

describe('WsTransport keepalive', () => {
  it('drops a connection whose peer stopped answering pings and dials again', async () => {
    // A peer that goes silent without closing (a partition, a frozen host): pongs stop.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/raft' });
    await new Promise((r) => wss.once('listening', r));
    cleanup.push(
      () =>
        new Promise((r) => {
          for (const c of wss.clients) c.terminate();
          wss.close(() => r(undefined));
        }),
    );
    let accepted = 0;
    wss.on('connection', (_ws, req) => {
      accepted++;
      if (accepted === 1) req.socket.pause();
    });
    const a = new WsTransport({ id: 'a', port: 0, keepaliveMs: 50 });
    await a.start();
    cleanup.push(() => a.stop());
    a.addPeer('b', `127.0.0.1:${(wss.address() as AddressInfo).port}`);
    // The server sees the second connection a moment before the client counts it as open.
    await until(() => accepted >= 2 && (a.stats()['b']?.connects ?? 0) >= 2, 5_000);
    expect(a.stats()['b']?.connects).toBeGreaterThanOrEqual(2);
  });
});
