import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { makeMessage } from '../core/util.js';
import type { Message } from '../types.js';
import { NODE_ID_HEADER } from './peer.js';
import { makeTestCerts } from './test-certs.js';
import { WsTransport, type WsTransportOptions } from './ws-transport.js';

const started: WsTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.stop()));
});

async function node(
  opts: Omit<WsTransportOptions, 'port'> & { port?: number },
): Promise<{ t: WsTransport; got: Message[] }> {
  const t = new WsTransport({ port: 0, ...opts });
  const got: Message[] = [];
  t.onMessage((m) => got.push(m));
  await t.start();
  started.push(t);
  return { t, got };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const app = (from: string, to: string, i: number): Message =>
  makeMessage({
    type: 'MsgApp',
    from,
    to,
    index: i,
    entries: [{ term: 1, index: i + 1, type: 'normal', data: new Uint8Array(256).fill(i % 256) }],
  });

describe('WsTransport on loopback', () => {
  it('delivers messages in order between two nodes, both ways', async () => {
    const a = await node({ id: 'a' });
    const b = await node({ id: 'b' });
    a.t.addPeer('b', `127.0.0.1:${b.t.port}`);
    b.t.addPeer('a', `127.0.0.1:${a.t.port}`);
    const msgs = Array.from({ length: 1000 }, (_, i) => app('a', 'b', i));
    a.t.send(msgs);
    b.t.send([makeMessage({ type: 'MsgAppResp', from: 'b', to: 'a', index: 7 })]);
    await until(() => b.got.length === 1000 && a.got.length === 1);
    expect(b.got).toEqual(msgs);
    expect(a.got[0]?.index).toBe(7);
    expect(a.t.stats()['b']).toMatchObject({ sent: 1000, dropped: 0, connects: 1 });
  });

  it('bounds the queue while a peer is down, then reconnects when it comes up', async () => {
    const a = await node({ id: 'a', maxQueue: 10, minBackoffMs: 20, maxBackoffMs: 40 });
    const probe = await node({ id: 'probe' });
    const port = probe.t.port;
    await probe.t.stop(); // reserve a free port, then free it
    started.pop();
    const unreachable: string[] = [];
    a.t.onUnreachable((id) => unreachable.push(id));
    a.t.addPeer('b', `127.0.0.1:${port}`);
    a.t.send(Array.from({ length: 25 }, (_, i) => app('a', 'b', i)));
    expect(a.t.stats()['b']).toMatchObject({ dropped: 15, queued: 10 });
    expect(unreachable.length).toBeGreaterThan(0);
    const b = await node({ id: 'b', port });
    await until(() => b.got.length === 10);
    expect(b.got.map((m) => m.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await b.t.stop();
    started.pop();
    const b2 = await node({ id: 'b', port });
    a.t.send([app('a', 'b', 42)]);
    await until(() => b2.got.length === 1);
    expect(a.t.stats()['b']?.connects).toBe(2);
  });

  it('closes connections that do not name a node or send garbage', async () => {
    const b = await node({ id: 'b' });
    const anon = new WebSocket(`ws://127.0.0.1:${b.t.port}/raft`);
    const code = await new Promise<number>((r) => anon.on('close', (c) => r(c)));
    expect(code).toBe(1008);
    const bad = new WebSocket(`ws://127.0.0.1:${b.t.port}/raft`, {
      headers: { [NODE_ID_HEADER]: 'x' },
    });
    await new Promise((r) => bad.on('open', r));
    bad.send(new Uint8Array([1, 5, 200]));
    await new Promise((r) => bad.on('close', r));
    expect(b.got).toEqual([]);
  });

  it('speaks mutual TLS when given certificates and refuses clients without one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'raft-tls-'));
    try {
      const certs = makeTestCerts(dir, ['a', 'b']);
      const a = await node({ id: 'a', tls: certs['a'] });
      const b = await node({ id: 'b', tls: certs['b'] });
      a.t.addPeer('b', `localhost:${b.t.port}`);
      a.t.send([app('a', 'b', 1)]);
      await until(() => b.got.length === 1);
      const noCert = new WebSocket(`wss://localhost:${b.t.port}/raft`, {
        ca: certs['b']?.ca,
        headers: { [NODE_ID_HEADER]: 'x' },
      });
      const failed = await new Promise<boolean>((r) => {
        noCert.on('open', () => r(false));
        noCert.on('error', () => r(true));
      });
      expect(failed).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with requireCertId, refuses a peer whose certificate names another node', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'raft-tls-'));
    try {
      const certs = makeTestCerts(dir, ['a', 'b', 'c']);
      const b = await node({ id: 'b', tls: certs['b'], requireCertId: true });
      const a = await node({ id: 'a', tls: certs['a'] });
      a.t.addPeer('b', `localhost:${b.t.port}`);
      a.t.send([app('a', 'b', 1)]);
      await until(() => b.got.length === 1);
      const tls = certs['c']!;
      const impostor = new WebSocket(`wss://localhost:${b.t.port}/raft`, {
        ...tls,
        headers: { [NODE_ID_HEADER]: 'a' },
      });
      const code = await new Promise<number>((r) => impostor.on('close', (c) => r(c)));
      expect(code).toBe(1008);
      expect(b.got).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
