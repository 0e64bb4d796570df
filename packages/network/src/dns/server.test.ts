import { Resolver } from 'node:dns/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceRecords } from './records.js';
import { DnsServer } from './server.js';
import {
  decodeResponse,
  encodeQuery,
  frame,
  tcpExchange,
  udpExchange,
  udpQuery,
} from './testing.js';

// Client 127.0.0.1 is attached to network "front"; 127.0.0.2 to "back"; others to nothing.
const SCOPES: Record<string, string[]> = { '127.0.0.1': ['front'], '127.0.0.2': ['back'] };
const tasks = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${(i & 255) + 1}`);

let records: ServiceRecords;
let server: DnsServer;
let port: number;

beforeEach(async () => {
  records = new ServiceRecords({ scope: (addr) => SCOPES[addr] ?? [] });
  records.set('front', 'web', {
    mode: 'vip',
    vips: ['10.0.9.2', 'fd00::2'],
    tasks: ['10.0.9.3', '10.0.9.4'],
  });
  records.set('front', 'db', { mode: 'dnsrr', tasks: ['10.0.8.1', '10.0.8.2', '10.0.8.3'] });
  records.set('front', 'big', { mode: 'dnsrr', tasks: tasks(50) });
  records.set('back', 'secret', { mode: 'vip', vips: ['10.1.0.2'], tasks: ['10.1.0.3'] });
  server = new DnsServer({ records, host: '127.0.0.1', port: 0, upstreams: [] });
  await server.start();
  port = server.address().port;
});

afterEach(async () => {
  await server.stop();
});

const addresses = (d: { answers: { data: string }[] }): string[] => d.answers.map((a) => a.data);

describe('DnsServer over UDP', () => {
  it('answers A with the VIP, authoritatively, echoing id and question as sent', async () => {
    const d = await udpQuery(port, encodeQuery('wEb', 'A', { id: 4242 }));
    expect(d).toMatchObject({
      id: 4242,
      qr: true,
      aa: true,
      tc: false,
      rd: true,
      ra: true,
      rcode: 0,
    });
    expect(d.questions).toEqual([{ name: 'wEb', type: 1, class: 1 }]);
    expect(d.answers).toEqual([{ name: 'wEb', type: 1, class: 1, ttl: 1, data: '10.0.9.2' }]);
  });

  it('answers AAAA; a name without IPv6 gets NOERROR and no answers, not NXDOMAIN', async () => {
    expect(addresses(await udpQuery(port, encodeQuery('web', 'AAAA')))).toEqual(['fd00::2']);
    const d = await udpQuery(port, encodeQuery('db', 'AAAA'));
    expect(d).toMatchObject({ rcode: 0, aa: true, answers: [] });
    expect(d.questions).toEqual([{ name: 'db', type: 28, class: 1 }]);
    const mx = await udpQuery(port, encodeQuery('web', 'MX'));
    expect(mx).toMatchObject({ rcode: 0, answers: [] });
  });

  it('answers NXDOMAIN for unknown cluster names', async () => {
    for (const name of ['nosuch', 'tasks.nosuch', 'TASKS.NOSUCH']) {
      const d = await udpQuery(port, encodeQuery(name, 'A'));
      expect(d).toMatchObject({ rcode: 3, aa: true, answers: [] });
      expect(d.questions[0]!.name).toBe(name);
    }
  });

  it('rotates dnsrr answers one step per query, in this exact order', async () => {
    const seq: string[][] = [];
    for (let i = 0; i < 4; i++) seq.push(addresses(await udpQuery(port, encodeQuery('DB', 'A'))));
    expect(seq).toEqual([
      ['10.0.8.1', '10.0.8.2', '10.0.8.3'],
      ['10.0.8.2', '10.0.8.3', '10.0.8.1'],
      ['10.0.8.3', '10.0.8.1', '10.0.8.2'],
      ['10.0.8.1', '10.0.8.2', '10.0.8.3'],
    ]);
  });

  it('answers tasks.<service> with the rotating task addresses, in vip mode too', async () => {
    expect(addresses(await udpQuery(port, encodeQuery('tasks.web', 'A')))).toEqual([
      '10.0.9.3',
      '10.0.9.4',
    ]);
    expect(addresses(await udpQuery(port, encodeQuery('Tasks.Web', 'A')))).toEqual([
      '10.0.9.4',
      '10.0.9.3',
    ]);
    expect(addresses(await udpQuery(port, encodeQuery('web', 'A')))).toEqual(['10.0.9.2']);
    expect(addresses(await udpQuery(port, encodeQuery('web', 'A')))).toEqual(['10.0.9.2']);
  });

  it('shows each client only the names of its networks', async () => {
    const fromBack = { localAddress: '127.0.0.2' };
    const fromNone = { localAddress: '127.0.0.3' };
    expect(addresses(await udpQuery(port, encodeQuery('secret', 'A'), fromBack))).toEqual([
      '10.1.0.2',
    ]);
    expect(await udpQuery(port, encodeQuery('web', 'A'), fromBack)).toMatchObject({ rcode: 3 });
    expect(await udpQuery(port, encodeQuery('secret', 'A'))).toMatchObject({ rcode: 3 });
    expect(await udpQuery(port, encodeQuery('web', 'A'), fromNone)).toMatchObject({ rcode: 3 });
  });

  it('shows updates at the next query', async () => {
    records.set('front', 'web', { mode: 'vip', vips: ['10.0.9.77'], tasks: [] });
    expect(addresses(await udpQuery(port, encodeQuery('web', 'A')))).toEqual(['10.0.9.77']);
    records.set('front', 'fresh', { mode: 'dnsrr', tasks: ['10.0.7.1'] });
    expect(addresses(await udpQuery(port, encodeQuery('fresh', 'A')))).toEqual(['10.0.7.1']);
    records.delete('front', 'fresh');
    expect(await udpQuery(port, encodeQuery('fresh', 'A'))).toMatchObject({ rcode: 3 });
  });

  it('truncates a large answer to what fits in 512 bytes, with TC', async () => {
    const reply = await udpExchange(port, encodeQuery('big', 'A'));
    expect(reply!.length).toBeLessThanOrEqual(512);
    const d = decodeResponse(reply!);
    expect(d.tc).toBe(true);
    expect(d.answers).toHaveLength(Math.floor((512 - 12 - 9) / 16));
    expect(addresses(d)).toEqual(tasks(50).slice(0, d.answers.length));
  });

  it("honours the client's EDNS0 payload size, capped at 4096", async () => {
    const full = await udpQuery(port, encodeQuery('big', 'A', { edns: { udpSize: 1232 } }));
    expect(full.tc).toBe(false);
    expect(full.answers).toHaveLength(50);
    expect(full.additional).toMatchObject([{ type: 41 }]);
    const reply = await udpExchange(port, encodeQuery('big', 'A', { edns: { udpSize: 700 } }));
    expect(reply!.length).toBeLessThanOrEqual(700);
    expect(decodeResponse(reply!)).toMatchObject({ tc: true });
    expect(decodeResponse(reply!).answers).toHaveLength(Math.floor((700 - 12 - 9 - 11) / 16));
    records.set('front', 'huge', { mode: 'dnsrr', tasks: tasks(400) });
    const capped = await udpExchange(port, encodeQuery('huge', 'A', { edns: { udpSize: 65000 } }));
    expect(capped!.length).toBeLessThanOrEqual(4096);
    expect(decodeResponse(capped!).answers).toHaveLength(Math.floor((4096 - 12 - 10 - 11) / 16));
    const badvers = await udpQuery(
      port,
      encodeQuery('web', 'A', { edns: { udpSize: 1232, version: 1 } }),
    );
    expect(badvers.additional[0]!.ttl >>> 24).toBe(1);
  });

  it('drops malformed packets and keeps answering', async () => {
    const ok = encodeQuery('web', 'A');
    const asResponse = Buffer.from(ok);
    asResponse[2]! |= 0x80;
    for (const bad of [
      Buffer.from('garbage!garbage!'),
      ok.subarray(0, 14),
      asResponse,
      Buffer.alloc(3),
    ]) {
      expect(await udpExchange(port, bad, { timeoutMs: 100 })).toBeNull();
    }
    expect(addresses(await udpQuery(port, ok))).toEqual(['10.0.9.2']);
  });

  it('answers NOTIMP to other opcodes and FORMERR to a query without a question', async () => {
    const notify = await udpQuery(port, encodeQuery('web', 'A', { opcode: 4, id: 9 }));
    expect(notify).toMatchObject({ id: 9, opcode: 4, rcode: 4, answers: [] });
    expect(notify.questions).toEqual([{ name: 'web', type: 1, class: 1 }]);
    const empty = await udpQuery(port, encodeQuery('web', 'A', { qdcount: 0 }).subarray(0, 12));
    expect(empty).toMatchObject({ rcode: 1, questions: [] });
  });

  it("answers a custom source's records from `first`, wrapping, with its TTL", async () => {
    const list = ['10.2.0.1', '10.2.0.2', '10.2.0.3'];
    const custom = new DnsServer({
      records: { lookup: () => ({ kind: 'records', addresses: list, ttl: 30, first: 4 }) },
      port: 0,
      upstreams: [],
    });
    await custom.start();
    try {
      const d = await udpQuery(custom.address().port, encodeQuery('any.name.example', 'A'));
      expect(d.answers.map((a) => [a.data, a.ttl])).toEqual([
        ['10.2.0.2', 30],
        ['10.2.0.3', 30],
        ['10.2.0.1', 30],
      ]);
    } finally {
      await custom.stop();
    }
  });

  it('answers SERVFAIL when the records source throws, and keeps serving', async () => {
    const failing = new DnsServer({
      records: {
        lookup: () => {
          throw new Error('boom');
        },
      },
      port: 0,
      upstreams: [],
    });
    await failing.start();
    try {
      for (const name of ['web', 'db']) {
        const d = await udpQuery(failing.address().port, encodeQuery(name, 'A'));
        expect(d).toMatchObject({ rcode: 2, questions: [{ name }] });
      }
    } finally {
      await failing.stop();
    }
  });
});

describe('DnsServer over TCP', () => {
  it('returns the whole answer that UDP truncates', async () => {
    const { replies } = await tcpExchange(port, [frame(encodeQuery('big', 'A'))], 1);
    const d = decodeResponse(replies[0]!);
    expect(d.tc).toBe(false);
    expect(addresses(d)).toEqual(tasks(50));
  });

  it('answers several queries on one connection, pipelined or split byte by byte', async () => {
    const q = (id: number, name: string): Buffer => frame(encodeQuery(name, 'A', { id }));
    const pipelined = Buffer.concat([q(1, 'web'), q(2, 'nosuch'), q(3, 'tasks.web')]);
    const r1 = await tcpExchange(port, [pipelined], 3);
    expect(
      r1.replies.map((r) => decodeResponse(r)).map((d) => [d.id, d.rcode, addresses(d)]),
    ).toEqual([
      [1, 0, ['10.0.9.2']],
      [2, 3, []],
      [3, 0, ['10.0.9.3', '10.0.9.4']],
    ]);
    const bytes = [...Buffer.concat([q(4, 'web'), q(5, 'db')])].map((b) => Buffer.from([b]));
    const r2 = await tcpExchange(port, bytes, 2);
    expect(r2.replies.map((r) => decodeResponse(r).id)).toEqual([4, 5]);
  });

  it('applies visibility by the TCP client address', async () => {
    const { replies } = await tcpExchange(port, [frame(encodeQuery('secret', 'A'))], 1, {
      localAddress: '127.0.0.2',
    });
    expect(addresses(decodeResponse(replies[0]!))).toEqual(['10.1.0.2']);
  });

  it('closes the connection on a malformed message or a zero length', async () => {
    for (const bad of [frame(Buffer.from('not dns at all')), Buffer.from([0, 0])]) {
      const r = await tcpExchange(port, [bad, frame(encodeQuery('web', 'A'))], 1);
      expect(r).toEqual({ replies: [], closed: true });
    }
  });
});

describe('DnsServer with a real resolver (c-ares)', () => {
  it('resolves A and AAAA, and falls back to TCP for a truncated answer', async () => {
    records.set('front', 'huge', { mode: 'dnsrr', tasks: tasks(120) });
    const resolver = (): Resolver => {
      const r = new Resolver({ timeout: 1000, tries: 1 });
      r.setServers([`127.0.0.1:${port}`]);
      return r;
    };
    expect(await resolver().resolve4('web', { ttl: true })).toEqual([
      { address: '10.0.9.2', ttl: 1 },
    ]);
    expect(await resolver().resolve6('web')).toEqual(['fd00::2']);
    expect((await resolver().resolve4('huge')).sort()).toEqual(tasks(120).sort());
    await expect(resolver().resolve4('nosuch')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('DnsServer lifecycle', () => {
  it('start rejects when the port is taken, and can be retried elsewhere', async () => {
    const clash = new DnsServer({ records, port, upstreams: [] });
    await expect(clash.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await clash.stop();
    expect(addresses(await udpQuery(port, encodeQuery('web', 'A')))).toEqual(['10.0.9.2']);
  });

  it('stop closes both sockets: the port can be bound again', async () => {
    await server.stop();
    const again = new DnsServer({ records, port, upstreams: [] });
    await again.start();
    try {
      expect(again.address().port).toBe(port);
      expect(addresses(await udpQuery(port, encodeQuery('web', 'A')))).toEqual(['10.0.9.2']);
    } finally {
      await again.stop();
    }
  });
});
