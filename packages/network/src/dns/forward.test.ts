import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceRecords } from './records.js';
import { DnsServer, type DnsServerOptions } from './server.js';
import { decodeResponse, encodeQuery, frame, tcpExchange, udpQuery } from './testing.js';
import { parseResolvConf, parseUpstream } from './upstreams.js';

/**
 * A fake upstream on 127.0.0.1: answers every A query with one record whose address encodes
 * the query's first label length and the id it received, or stays silent.
 */
class FakeUpstream {
  readonly seen: { id: number; name: string }[] = [];
  /** TCP connections the server opened and then closed. */
  closed = 0;
  private udp: Socket | undefined;
  private tcp: Server | undefined;

  constructor(private readonly silent = false) {}

  async start(): Promise<string> {
    // TCP picks a free port, UDP takes the same one (retried: it may be taken for UDP).
    for (let attempt = 0; ; attempt++) {
      const tcp = createServer((sock) => {
        sock.on('error', () => undefined);
        sock.on('close', () => this.closed++);
        sock.on('data', (d: Buffer) => {
          const reply = this.answer(d.subarray(2));
          if (reply !== null) sock.write(frame(reply));
        });
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(0, '127.0.0.1', resolve);
      });
      const port = (tcp.address() as AddressInfo).port;
      const udp = createSocket('udp4');
      udp.on('message', (msg, rinfo) => {
        const reply = this.answer(msg);
        if (reply !== null) udp.send(reply, rinfo.port, rinfo.address);
      });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, '127.0.0.1', resolve);
        });
      } catch (err) {
        udp.close();
        tcp.close();
        if (attempt < 9) continue;
        throw err;
      }
      this.udp = udp;
      this.tcp = tcp;
      return `127.0.0.1:${port}`;
    }
  }

  async stop(): Promise<void> {
    this.udp?.close();
    await new Promise((resolve) => this.tcp?.close(resolve));
  }

  private answer(msg: Buffer): Buffer | null {
    const q = decodeResponse(msg);
    const name = q.questions[0]!.name;
    this.seen.push({ id: q.id, name });
    if (this.silent) return null;
    const head = Buffer.from(msg.subarray(0, 12));
    head[2] = 0x81;
    head[3] = 0x80;
    head.writeUInt16BE(1, 6);
    head.writeUInt16BE(0, 10);
    const question = msg.subarray(12, 12 + name.length + 2 + 4);
    const label = name.split('.')[0]!.length;
    const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, label]);
    return Buffer.concat([head, question, rr]);
  }
}

const records = new ServiceRecords({ scope: () => ['front'] });
records.set('front', 'web', { mode: 'vip', vips: ['10.0.9.2'], tasks: [] });

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function upstream(silent = false): Promise<{ fake: FakeUpstream; addr: string }> {
  const fake = new FakeUpstream(silent);
  const addr = await fake.start();
  cleanup.push(() => fake.stop());
  return { fake, addr };
}

async function server(opts: Partial<DnsServerOptions>): Promise<number> {
  const s = new DnsServer({ records, port: 0, forwardTimeoutMs: 150, ...opts });
  await s.start();
  cleanup.push(() => s.stop());
  return s.address().port;
}

describe('forwarding', () => {
  it("relays the upstream's answer for other names with the client's query id", async () => {
    const { fake, addr } = await upstream();
    const port = await server({ upstreams: [addr] });
    const d = await udpQuery(port, encodeQuery('example.org', 'A', { id: 0x1111 }));
    expect(d).toMatchObject({ id: 0x1111, rcode: 0, aa: false });
    expect(d.answers.map((a) => a.data)).toEqual(['192.0.2.7']);
    expect(fake.seen.map((s) => s.name)).toEqual(['example.org']);
    // Local names never reach the upstream.
    await udpQuery(port, encodeQuery('web', 'A'));
    await udpQuery(port, encodeQuery('nosuch', 'A'));
    expect(fake.seen).toHaveLength(1);
  });

  it('keeps two clients using the same query id apart', async () => {
    const { fake, addr } = await upstream();
    const port = await server({ upstreams: [addr] });
    const [a, b] = await Promise.all([
      udpQuery(port, encodeQuery('a.example', 'A', { id: 77 })),
      udpQuery(port, encodeQuery('bbbbb.example', 'A', { id: 77 })),
    ]);
    expect([a.id, a.answers[0]!.data, b.id, b.answers[0]!.data]).toEqual([
      77,
      '192.0.2.1',
      77,
      '192.0.2.5',
    ]);
    expect(new Set(fake.seen.map((s) => s.id)).size).toBe(2);
  });

  it('answers SERVFAIL when the upstream does not answer in time', async () => {
    const { fake, addr } = await upstream(true);
    const port = await server({ upstreams: [addr] });
    const t0 = performance.now();
    const d = await udpQuery(port, encodeQuery('example.org', 'A', { id: 5 }), { timeoutMs: 2000 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(d).toMatchObject({ id: 5, rcode: 2, questions: [{ name: 'example.org' }] });
    expect(fake.seen).toHaveLength(1);
  });

  it('tries the next upstream after a timeout', async () => {
    const silent = await upstream(true);
    const live = await upstream();
    const port = await server({ upstreams: [silent.addr, live.addr] });
    const d = await udpQuery(port, encodeQuery('example.org', 'A', { id: 6 }), { timeoutMs: 2000 });
    expect(d).toMatchObject({ id: 6, rcode: 0 });
    expect([silent.fake.seen.length, live.fake.seen.length]).toEqual([1, 1]);
  });

  it('answers SERVFAIL at once without upstreams', async () => {
    const port = await server({ upstreams: [] });
    expect(await udpQuery(port, encodeQuery('example.org', 'A'), { timeoutMs: 100 })).toMatchObject(
      { rcode: 2 },
    );
  });

  it('forwards a TCP query over TCP', async () => {
    const { fake, addr } = await upstream();
    const port = await server({ upstreams: [addr] });
    const { replies } = await tcpExchange(
      port,
      [frame(encodeQuery('example.org', 'A', { id: 31 }))],
      1,
    );
    const d = decodeResponse(replies[0]!);
    expect(d).toMatchObject({ id: 31, rcode: 0 });
    expect(d.answers.map((a) => a.data)).toEqual(['192.0.2.7']);
    expect(fake.seen).toEqual([{ id: 31, name: 'example.org' }]);
  });

  it('answers SERVFAIL over TCP when the TCP upstream is silent', async () => {
    const { addr } = await upstream(true);
    const port = await server({ upstreams: [addr] });
    const { replies } = await tcpExchange(
      port,
      [frame(encodeQuery('example.org', 'A', { id: 32 }))],
      1,
    );
    expect(decodeResponse(replies[0]!)).toMatchObject({ id: 32, rcode: 2 });
  });

  it('stop() ends forwards in flight, over UDP and TCP', async () => {
    const { fake, addr } = await upstream(true);
    const s = new DnsServer({ records, port: 0, upstreams: [addr], forwardTimeoutMs: 60_000 });
    await s.start();
    const port = s.address().port;
    const udp = udpQuery(port, encodeQuery('example.org', 'A'), { timeoutMs: 400 });
    const tcp = tcpExchange(port, [frame(encodeQuery('example.net', 'A'))], 1, { timeoutMs: 3000 });
    while (fake.seen.length < 2) await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    await s.stop();
    expect(await tcp).toEqual({ replies: [], closed: true });
    await expect(udp).rejects.toThrow(/no UDP reply/);
    while (fake.closed < 1) await new Promise((r) => setTimeout(r, 10));
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('upstream configuration', () => {
  it('parses ip, ip:port and [ipv6]:port', () => {
    expect(parseUpstream('10.0.0.1')).toEqual({ host: '10.0.0.1', port: 53, family: 4 });
    expect(parseUpstream('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353, family: 4 });
    expect(parseUpstream('[::1]:5353')).toEqual({ host: '::1', port: 5353, family: 6 });
    expect(parseUpstream('fd00::53')).toEqual({ host: 'fd00::53', port: 53, family: 6 });
    for (const bad of ['example.com', '10.0.0.1:0', '10.0.0.1:x', '[::1]:70000', '']) {
      expect(() => parseUpstream(bad)).toThrow(/invalid upstream/);
    }
  });

  it('reads resolv.conf without 127.0.0.11 and without the server itself', () => {
    const text = [
      '# generated',
      'search example.com',
      'nameserver 127.0.0.11',
      'nameserver 10.0.0.53',
      'nameserver fe80::1%eth0',
      '  nameserver 127.0.0.1',
      'nameserver not-an-ip',
      'options ndots:0',
    ].join('\n');
    expect(parseResolvConf(text).map((u) => u.host)).toEqual(['10.0.0.53', 'fe80::1', '127.0.0.1']);
    expect(parseResolvConf(text, { host: '127.0.0.1', port: 53 }).map((u) => u.host)).toEqual([
      '10.0.0.53',
      'fe80::1',
    ]);
    expect(parseResolvConf(text, { host: '0.0.0.0', port: 53 }).map((u) => u.host)).toEqual([
      '10.0.0.53',
      'fe80::1',
    ]);
    expect(parseResolvConf(text, { host: '127.0.0.1', port: 5353 })).toHaveLength(3);
    // A server in a node's own namespace may forward to Docker's embedded resolver.
    expect(
      parseResolvConf('nameserver 127.0.0.11\n', undefined, { keepEmbedded: true }).map(
        (u) => u.host,
      ),
    ).toEqual(['127.0.0.11']);
    expect(parseResolvConf('nameserver 127.0.0.11\n')).toEqual([]);
  });

  it('defaults to the resolv.conf nameservers (read at start, nothing sent)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlet-dns-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'resolv.conf');
    writeFileSync(path, 'nameserver 127.0.0.11\nnameserver 127.0.0.1\n');
    const s = new DnsServer({ records, port: 0, resolvConf: path });
    await s.start();
    cleanup.push(() => s.stop());
    expect(s.upstreams()).toEqual(['127.0.0.1:53']);
    const missing = new DnsServer({ records, port: 0, resolvConf: join(dir, 'none') });
    await missing.start();
    cleanup.push(() => missing.stop());
    expect(missing.upstreams()).toEqual([]);
  });
});
