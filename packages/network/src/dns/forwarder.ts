import { randomFillSync } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import { ipv6Bytes } from './answers.js';
import type { Upstream } from './upstreams.js';

/** Called once per forwarded query: the upstream's response, or null (none answered in time). */
export type ForwardReply = (response: Buffer | null) => void;

/** Options of `Forwarder`. */
export interface ForwarderOptions {
  upstreams: readonly Upstream[];
  /** How long to wait for each upstream before trying the next. */
  timeoutMs: number;
  /** Forwarded queries in flight at most; beyond that `forward` replies null at once. */
  maxPending: number;
}

interface Pending {
  readonly query: Buffer;
  readonly clientId: number;
  readonly reply: ForwardReply;
  upstream: number;
  id: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Relays queries the server does not answer to the upstream resolvers, in order, each with
 * `timeoutMs`: the first response is relayed as it is, with the client's query id restored.
 * UDP queries go out from one socket per address family with a fresh random id (so two clients
 * using the same id do not collide); a response counts only if it comes from the upstream the
 * query was sent to with the id in flight. TCP queries use one connection per query.
 */
export class Forwarder {
  private readonly pending = new Map<number, Pending>();
  private readonly sockets = new Map<4 | 6, Socket>();
  private readonly tcpSockets = new Set<TcpSocket>();
  private readonly ids = new Uint16Array(512);
  private idNext = this.ids.length;
  private inFlight = 0;
  private stopped = false;

  constructor(private readonly opts: ForwarderOptions) {}

  /** Opens the UDP sockets (on ephemeral ports) of the upstreams' families. */
  async start(): Promise<void> {
    const families = new Set(this.opts.upstreams.map((u) => u.family));
    for (const family of families) {
      const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
      socket.on('message', (msg, rinfo) => this.onResponse(msg, rinfo));
      socket.on('error', () => undefined); // send errors surface as timeouts
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      this.sockets.set(family, socket);
    }
  }

  /** Closes the sockets; queries in flight get null. */
  stop(): void {
    this.stopped = true;
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
    for (const socket of this.tcpSockets) socket.destroy(); // their replies get null
    this.tcpSockets.clear();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reply(null);
    }
  }

  /** Forwards a UDP query (the client's message, which the forwarder may modify). */
  forward(query: Buffer, reply: ForwardReply): void {
    if (!this.admit(reply)) return;
    const p: Pending = {
      query,
      clientId: query.readUInt16BE(0),
      reply,
      upstream: -1,
      id: 0,
      timer: undefined,
    };
    this.sendNext(p);
  }

  /** Forwards a query received over TCP, over TCP (the answer may exceed any UDP size). */
  forwardTcp(query: Buffer, reply: ForwardReply): void {
    if (!this.admit(reply)) return;
    const done = (response: Buffer | null): void => {
      this.inFlight--;
      reply(response);
    };
    this.tcpAttempt(query, 0, done);
  }

  private admit(reply: ForwardReply): boolean {
    if (this.stopped || this.opts.upstreams.length === 0 || this.inFlight >= this.opts.maxPending) {
      reply(null);
      return false;
    }
    this.inFlight++;
    return true;
  }

  private sendNext(p: Pending): void {
    if (p.upstream >= 0) this.pending.delete(p.id);
    p.upstream++;
    const upstream = this.opts.upstreams[p.upstream];
    const socket = upstream === undefined ? undefined : this.sockets.get(upstream.family);
    if (upstream === undefined || socket === undefined) {
      this.finish(p, null);
      return;
    }
    p.id = this.freshId();
    this.pending.set(p.id, p);
    p.query.writeUInt16BE(p.id, 0);
    p.timer = setTimeout(() => this.sendNext(p), this.opts.timeoutMs);
    socket.send(p.query, upstream.port, upstream.host);
  }

  private onResponse(msg: Buffer, rinfo: RemoteInfo): void {
    if (msg.length < 12) return;
    const p = this.pending.get(msg.readUInt16BE(0));
    const upstream = p === undefined ? undefined : this.opts.upstreams[p.upstream];
    if (p === undefined || upstream === undefined || !sameAddress(upstream, rinfo)) return;
    this.pending.delete(p.id);
    clearTimeout(p.timer);
    msg.writeUInt16BE(p.clientId, 0);
    this.finish(p, msg);
  }

  private finish(p: Pending, response: Buffer | null): void {
    this.inFlight--;
    p.query.writeUInt16BE(p.clientId, 0);
    p.reply(response);
  }

  private tcpAttempt(query: Buffer, index: number, done: ForwardReply): void {
    const upstream = this.opts.upstreams[index];
    if (upstream === undefined || this.stopped) {
      done(null);
      return;
    }
    const socket = connect({ host: upstream.host, port: upstream.port });
    this.tcpSockets.add(socket);
    let buf = Buffer.alloc(0);
    let settled = false;
    const settle = (response: Buffer | null): void => {
      if (settled) return;
      settled = true;
      this.tcpSockets.delete(socket);
      socket.destroy();
      if (response !== null) done(response);
      else this.tcpAttempt(query, index + 1, done);
    };
    socket.setTimeout(this.opts.timeoutMs, () => settle(null));
    socket.on('error', () => settle(null));
    socket.on('close', () => settle(null));
    socket.on('connect', () => {
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(query.length, 0);
      socket.write(Buffer.concat([len, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        settle(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
  }

  /** A random id not in flight (random so an off-path spoofer must guess it). */
  private freshId(): number {
    for (;;) {
      if (this.idNext === this.ids.length) {
        randomFillSync(this.ids);
        this.idNext = 0;
      }
      const id = this.ids[this.idNext++]!;
      if (!this.pending.has(id)) return id;
    }
  }
}

function sameAddress(u: Upstream, rinfo: RemoteInfo): boolean {
  if (u.port !== rinfo.port) return false;
  if (u.family === 4) return u.host === rinfo.address;
  return ipv6Bytes(u.host).equals(ipv6Bytes(rinfo.address));
}
