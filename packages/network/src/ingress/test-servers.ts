/**
 * Loopback servers and clients for the ingress tests (not exported by the package). Every server
 * is closed by `closeAll`, every client socket ends within the test's timeout.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Backend } from './types.js';

/** A backend server for tests: its address, the sockets it accepted, and how to close it. */
export interface TestServer {
  readonly backend: Backend;
  readonly sockets: Socket[];
  readonly server: Server;
}

const servers: TestServer[] = [];

/** Starts a server on `host` (default 127.0.0.1) whose connections are handled by `handler`. */
export async function startServer(
  handler: (socket: Socket) => void,
  host = '127.0.0.1',
): Promise<TestServer> {
  const sockets: Socket[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    handler(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const s = { backend: { addr: host, port }, sockets, server };
  servers.push(s);
  return s;
}

/** A backend that writes its name and closes: which backend got a connection. */
export function nameServer(name: string): Promise<TestServer> {
  return startServer((socket) => socket.end(name));
}

/** A backend that writes `name\n` (if given), then echoes everything and ends when the peer does. */
export function echoServer(name?: string): Promise<TestServer> {
  return startServer((socket) => {
    if (name !== undefined) socket.write(`${name}\n`);
    socket.pipe(socket);
  });
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed): connections are refused. */
export async function refusingBackend(): Promise<Backend> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { addr: '127.0.0.1', port };
}

// A listener (backlog 1) in a worker whose event loop then blocks, so it never accepts.
const STUCK_LISTENER = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData), 0, 0, 5000);
  server.close();
});
`;

/**
 * A backend whose connects hang: its accept queue is full, so the kernel drops further SYNs.
 * `release` unblocks and ends it (and the connections that filled the queue).
 */
export async function unacceptedBackend(): Promise<{ backend: Backend; release(): Promise<void> }> {
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(STUCK_LISTENER, { eval: true, workerData: flag });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const fillers: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    fillers.push(s);
  }
  await until(() => fillers.some((s) => !s.connecting));
  return {
    backend: { addr: '127.0.0.1', port },
    release: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(new Int32Array(flag), 0, 1);
      Atomics.notify(new Int32Array(flag), 0);
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

/** Closes every server started by this module and destroys their sockets. */
export async function closeAll(): Promise<void> {
  const all = servers.splice(0);
  for (const s of all) for (const socket of s.sockets) socket.destroy();
  await Promise.all(all.map((s) => new Promise((resolve) => s.server.close(resolve))));
}

/** Outcome of a client exchange: bytes received until close, and the socket error if any. */
export interface Exchange {
  readonly data: Buffer;
  readonly error: NodeJS.ErrnoException | undefined;
}

/** Connects to `port`, writes `payload` (if any), ends, and collects the reply until close. */
export function exchange(
  port: number,
  payload?: Buffer | string,
  host = '127.0.0.1',
): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    const socket = connect({ host, port, allowHalfOpen: true });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => (error = err));
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), error }));
    if (payload === undefined) socket.end();
    else socket.end(payload);
  });
}

/** An open client connection with a cursor over what it received so far. */
export class Client {
  readonly socket: Socket;
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  /** The peer's FIN arrived. */
  ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      this.received = Buffer.concat([this.received, c]);
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, allowHalfOpen: true });
      socket.once('connect', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  /** Waits for `n` bytes (or the peer's FIN) and takes them off the front of what was received. */
  async read(n: number): Promise<Buffer> {
    while (this.received.length < n && !this.ended && !this.closed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const out = this.received.subarray(0, n);
    this.received = this.received.subarray(out.length);
    return out;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Polls `check` every 5 ms until it holds; fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
