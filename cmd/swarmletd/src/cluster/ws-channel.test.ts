import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WsChannel, type ControlFrame } from './ws-channel.js';

type Msg = { type: string; n?: number };

async function pair(
  onControl: (f: ControlFrame) => void = () => undefined,
): Promise<{ server: WsChannel<Msg, Msg>; client: WsChannel<Msg, Msg>; wss: WebSocketServer }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await new Promise((r) => ws.once('open', r));
  const server = new WsChannel<Msg, Msg>(await accepted);
  const client = new WsChannel<Msg, Msg>(ws, onControl, 50);
  return { server, client, wss };
}

describe('WsChannel', () => {
  let wss: WebSocketServer | undefined;
  afterEach(async () => {
    for (const c of wss?.clients ?? []) c.terminate();
    await new Promise((r) => (wss ? wss.close(r) : r(undefined)));
    wss = undefined;
  });

  it('delivers messages in order, buffering until a consumer is set, and routes control frames aside', async () => {
    const controls: ControlFrame[] = [];
    const p = await pair((f) => controls.push(f));
    wss = p.wss;
    p.server.sendRaw({ type: 'hello', leader: '10.0.0.1:4242', managers: ['10.0.0.1:4242'] });
    for (let n = 0; n < 3; n++) p.server.send({ type: 'assignments', n });
    p.server.sendRaw({ type: 'role', role: 'manager' });
    await new Promise((r) => setTimeout(r, 50));
    const got: Msg[] = [];
    p.client.onMessage((m) => got.push(m));
    expect(got.map((m) => m.n)).toEqual([0, 1, 2]);
    expect(controls).toEqual([
      { type: 'hello', leader: '10.0.0.1:4242', managers: ['10.0.0.1:4242'] },
      { type: 'role', role: 'manager' },
    ]);
    p.client.close();
  });

  it('tells both ends when one closes, with the reason', async () => {
    const p = await pair();
    wss = p.wss;
    const reason = new Promise<string>((r) => p.server.onClose(r));
    p.client.close('agent stopping');
    expect(await reason).toBe('agent stopping');
  });

  it('the dialing end drops a peer that stops answering pings', async () => {
    const p = await pair();
    wss = p.wss;
    const closed = new Promise<string>((r) => p.client.onClose(r));
    // Freeze the server side: its socket stops reading, so pongs stop.
    for (const c of p.wss.clients) (c as unknown as { _socket: { pause(): void } })._socket.pause();
    const t0 = Date.now();
    await closed;
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
