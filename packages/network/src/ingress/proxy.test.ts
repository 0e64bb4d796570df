import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngressProxy } from './proxy.js';
import {
  Client,
  closeAll,
  echoServer,
  exchange,
  nameServer,
  refusingBackend,
  startServer,
  unacceptedBackend,
  until,
} from './test-servers.js';
import type { PublishedPort } from './types.js';

let proxy: IngressProxy;

afterEach(async () => {
  await proxy.stop();
  await closeAll();
});

const ANY: PublishedPort = { host: '127.0.0.1', port: 0, protocol: 'tcp' };

async function names(port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await exchange(port)).data.toString());
  return out;
}

// Every behaviour with each way of reading backends: a reused 16 KiB buffer (default), a 256-byte
// one (many reads, queued writes keep their buffer), and Node's buffer per read.
describe.each([16384, 256, 0])('readBufferBytes %i', (readBufferBytes) => {
  beforeEach(() => {
    proxy = new IngressProxy({ readBufferBytes, connectTimeoutMs: 100 });
  });

  describe('round-robin', () => {
    it('rotates exactly over the backends in order of acceptance', async () => {
      const servers = await Promise.all(['a', 'b', 'c'].map(nameServer));
      const port = await proxy.listen(ANY, { backends: servers.map((s) => s.backend) });
      expect(await names(port.port, 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
      expect(proxy.stats(port)).toMatchObject({ accepted: 7, backendFailures: 0, rejected: 0 });
    });

    it('skips a refusing backend for the same client connection', async () => {
      const [a, c] = await Promise.all([nameServer('a'), nameServer('c')]);
      const dead = await refusingBackend();
      const port = await proxy.listen(ANY, { backends: [a.backend, dead, c.backend] });
      // Connection 2 starts at the dead backend and falls over to c; the rotation is not shifted.
      expect(await names(port.port, 6)).toEqual(['a', 'c', 'c', 'a', 'c', 'c']);
      expect(proxy.stats(port)).toMatchObject({ accepted: 6, backendFailures: 2, rejected: 0 });
    });

    it('resets the client when no backend accepts, trying each once', async () => {
      const dead = [await refusingBackend(), await refusingBackend()];
      const port = await proxy.listen(ANY, { backends: dead });
      const r = await exchange(port.port, 'hello');
      expect(r.data.length).toBe(0);
      expect(r.error?.code).toBe('ECONNRESET');
      expect(proxy.stats(port)).toMatchObject({ backendFailures: 2, rejected: 1, active: 0 });
    });

    it('treats a backend that does not accept in time as refusing', async () => {
      const stuck = await unacceptedBackend();
      try {
        const b = await nameServer('b');
        const port = await proxy.listen(ANY, { backends: [stuck.backend, b.backend] });
        const t0 = Date.now();
        expect((await exchange(port.port)).data.toString()).toBe('b');
        expect(Date.now() - t0).toBeGreaterThanOrEqual(100); // connectTimeoutMs
        expect(proxy.stats(port)).toMatchObject({ backendFailures: 1, rejected: 0 });
      } finally {
        await stuck.release();
      }
    });

    it('resets the client at once when there are no backends', async () => {
      const port = await proxy.listen(ANY);
      const r = await exchange(port.port, 'hello');
      expect(r.data.length).toBe(0);
      expect(r.error?.code).toBe('ECONNRESET');
      expect(proxy.stats(port)).toMatchObject({ accepted: 1, rejected: 1 });
    });
  });

  describe('backend changes', () => {
    it('applies to new connections while a removed backend keeps its connection', async () => {
      const [e1, e2, e3] = await Promise.all(['e1', 'e2', 'e3'].map((n) => echoServer(n)));
      const port = await proxy.listen(ANY, { backends: [e1!.backend] });
      const old = await Client.open(port.port);
      expect((await old.read(3)).toString()).toBe('e1\n');

      proxy.setBackends(port, [e2!.backend]);
      expect(await names(port.port, 2)).toEqual(['e2\n', 'e2\n']);
      // The drained connection still works both ways, every byte.
      const payload = randomBytes(256 * 1024);
      old.socket.write(payload);
      expect((await old.read(payload.length)).equals(payload)).toBe(true);

      proxy.setBackends(port, [e1!.backend, e2!.backend, e3!.backend]);
      // Three connections were accepted before: the fourth starts at index 3 mod 3.
      expect(await names(port.port, 3)).toEqual(['e1\n', 'e2\n', 'e3\n']);
      old.socket.end();
      await until(() => old.closed);
      expect(e1!.sockets.length).toBe(2);
    });

    it('rejects invalid backends and unknown ports', async () => {
      const port = await proxy.listen(ANY);
      expect(() => proxy.setBackends(port, [{ addr: 'db.local', port: 5432 }])).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
      expect(() => proxy.setBackends(port, [{ addr: '10.0.0.1', port: 0 }])).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
      expect(() => proxy.setBackends({ ...port, port: 1 }, [])).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    });
  });

  describe('relaying', () => {
    it('keeps 2 MB intact in both directions', async () => {
      const echo = await echoServer();
      const port = await proxy.listen(ANY, { backends: [echo.backend] });
      const payload = randomBytes(2 * 1024 * 1024);
      const r = await exchange(port.port, payload);
      expect(r.error).toBeUndefined();
      expect(r.data.length).toBe(payload.length);
      expect(r.data.equals(payload)).toBe(true);
    });

    it('keeps bytes intact when the client reads slowly (writes to it queue up)', async () => {
      const payload = randomBytes(4 * 1024 * 1024);
      const backend = await startServer((socket) => socket.end(payload));
      const port = await proxy.listen(ANY, { backends: [backend.backend] });
      const client = await Client.open(port.port);
      client.socket.pause();
      await until(() => proxy.stats(port).active === 1);
      // Long enough for the kernel buffers toward the client to fill (256-byte reads included),
      // so the proxy's writes to it queue while it keeps reading the backend.
      await new Promise((resolve) => setTimeout(resolve, 150));
      client.socket.resume();
      const got = await client.read(payload.length + 1);
      expect(got.length).toBe(payload.length);
      expect(got.equals(payload)).toBe(true);
    });

    it('forwards a client half-close and still returns the response', async () => {
      const backend = await startServer((socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        // The backend answers only after it saw the client's FIN.
        socket.on('end', () => socket.end(`got ${Buffer.concat(chunks).toString()} then FIN`));
      });
      const port = await proxy.listen(ANY, { backends: [backend.backend] });
      const r = await exchange(port.port, 'request');
      expect(r.error).toBeUndefined();
      expect(r.data.toString()).toBe('got request then FIN');
    });

    it('forwards a backend half-close while the client keeps sending', async () => {
      const received: Buffer[] = [];
      const backend = await startServer((socket) => {
        socket.end('early answer');
        socket.on('data', (c: Buffer) => received.push(c));
      });
      const port = await proxy.listen(ANY, { backends: [backend.backend] });
      const client = await Client.open(port.port);
      expect((await client.read(12)).toString()).toBe('early answer');
      client.socket.end('late request');
      await until(() => client.closed);
      await until(() => Buffer.concat(received).toString() === 'late request');
    });

    it('survives client resets and backend resets, and passes resets on', async () => {
      const echo = await echoServer('e');
      const resetter = await startServer((socket) => {
        socket.write('x');
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
      const port = await proxy.listen(ANY, { backends: [echo.backend, resetter.backend] });

      const c1 = await Client.open(port.port);
      await c1.read(2);
      c1.socket.write(randomBytes(64 * 1024));
      c1.socket.resetAndDestroy();
      await until(() => echo.sockets[0]?.destroyed === true);

      const c2 = await Client.open(port.port);
      let c2Error: string | undefined;
      c2.socket.on('error', (err: NodeJS.ErrnoException) => (c2Error = err.code));
      expect((await c2.read(1)).toString()).toBe('x');
      await until(() => c2.closed);
      expect(c2Error).toBe('ECONNRESET');

      expect((await exchange(port.port, 'still up')).data.toString()).toBe('e\nstill up');
      await until(() => proxy.stats(port).active === 0);
    });
  });
});

/** What a backend saw first, parsed by hand (independently of decodeProxyV2). */
interface Seen {
  sig: string;
  verCmd: number;
  fam: number;
  len: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: string;
}

function parseByHand(b: Buffer): Seen {
  const v6 = b[13] === 0x21;
  const alen = v6 ? 16 : 4;
  const addr = (at: number): string =>
    v6
      ? Array.from({ length: 8 }, (_, i) => b.readUInt16BE(at + 2 * i).toString(16)).join(':')
      : [...b.subarray(at, at + 4)].join('.');
  const ports = 16 + 2 * alen;
  return {
    sig: b.subarray(0, 12).toString('latin1'),
    verCmd: b[12]!,
    fam: b[13]!,
    len: b.readUInt16BE(14),
    src: addr(16),
    dst: addr(16 + alen),
    srcPort: b.readUInt16BE(ports),
    dstPort: b.readUInt16BE(ports + 2),
    payload: b.subarray(ports + 4).toString(),
  };
}

describe('PROXY protocol v2', () => {
  beforeEach(() => {
    proxy = new IngressProxy();
  });

  async function through(host: string): Promise<{ seen: Seen; client: Client; port: number }> {
    const seen: Buffer[] = [];
    const backend = await startServer((socket) => {
      socket.on('data', (c: Buffer) => seen.push(c));
      socket.on('end', () => socket.end('ok'));
    }, host);
    const port = await proxy.listen(
      { host, port: 0, protocol: 'tcp' },
      { proxyProtocol: true, backends: [backend.backend] },
    );
    const client = await Client.open(port.port, host);
    client.socket.end('payload');
    expect((await client.read(2)).toString()).toBe('ok');
    return { seen: parseByHand(Buffer.concat(seen)), client, port: port.port };
  }

  it('sends the client and original destination over IPv4, then the payload', async () => {
    const { seen, client, port } = await through('127.0.0.1');
    expect(seen).toEqual({
      sig: '\r\n\r\n\0\r\nQUIT\n',
      verCmd: 0x21,
      fam: 0x11,
      len: 12,
      src: '127.0.0.1',
      dst: '127.0.0.1',
      srcPort: client.socket.localPort,
      dstPort: port,
      payload: 'payload',
    });
  });

  it('sends TCP over IPv6 for an IPv6 listener', async () => {
    const { seen, client, port } = await through('::1');
    expect(seen).toMatchObject({ verCmd: 0x21, fam: 0x21, len: 36, src: '0:0:0:0:0:0:0:1' });
    expect(seen).toMatchObject({ dst: '0:0:0:0:0:0:0:1', dstPort: port, payload: 'payload' });
    expect(seen.srcPort).toBe(client.socket.localPort);
  });
});

describe('lifecycle', () => {
  beforeEach(() => {
    proxy = new IngressProxy();
  });

  it('stop() closes the listeners and open connections', async () => {
    const echo = await echoServer('e');
    const port = await proxy.listen(ANY, { backends: [echo.backend] });
    const other = await proxy.listen(ANY, { backends: [echo.backend] });
    const open = await Client.open(port.port);
    await open.read(2);
    expect(proxy.ports()).toHaveLength(2);
    await proxy.stop();
    expect(proxy.ports()).toHaveLength(0);
    await until(() => open.ended);
    await until(() => echo.sockets[0]?.destroyed === true);
    for (const p of [port, other])
      expect((await exchange(p.port)).error?.code).toBe('ECONNREFUSED');
  });

  it('close() stops one port only; listening twice or on a busy port fails', async () => {
    const a = await nameServer('a');
    const p1 = await proxy.listen(ANY, { backends: [a.backend] });
    const p2 = await proxy.listen(ANY, { backends: [a.backend] });
    await expect(proxy.listen(p1)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const other = new IngressProxy();
    await expect(other.listen(p1)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await proxy.close(p1);
    expect((await exchange(p1.port)).error?.code).toBe('ECONNREFUSED');
    expect((await exchange(p2.port)).data.toString()).toBe('a');
    await other.stop();
  });

  it('a listen still binding when stop() runs fails and leaves nothing open', async () => {
    const binding = proxy.listen(ANY);
    await proxy.stop();
    await expect(binding).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(proxy.ports()).toHaveLength(0);
  });

  it('rejects invalid options and ports', async () => {
    expect(() => new IngressProxy({ readBufferBytes: -1 })).toThrow(/readBufferBytes/);
    expect(() => new IngressProxy({ connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs/);
    await expect(proxy.listen({ ...ANY, host: 'localhost' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(proxy.listen({ ...ANY, port: 70000 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
