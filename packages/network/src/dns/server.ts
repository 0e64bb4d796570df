import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket as TcpSocket } from 'node:net';
import { silentLogger, type Logger } from '@swarmlet/api-types';
import { AnswerEncoder } from './answers.js';
import { Forwarder } from './forwarder.js';
import type { DnsRecords, QueryType } from './records.js';
import { FrameReader, writeFramed } from './tcp.js';
import { formatUpstream, parseResolvConf, parseUpstream, type Upstream } from './upstreams.js';
import {
  buildEmptyResponse,
  buildResponse,
  MAX_TCP_MESSAGE,
  ParseResult,
  parseQuery,
  Query,
  Rcode,
  RRType,
  type ResponseParts,
} from './wire.js';

/** Options of `DnsServer`. */
export interface DnsServerOptions {
  /** Where the answers come from. */
  records: DnsRecords;
  /** IPv4 address to listen on (UDP and TCP). Default 127.0.0.1. */
  host?: string;
  /** Port for both UDP and TCP; 0 picks a free one (see `address()`). Default 53. */
  port?: number;
  /**
   * Upstream resolvers (`ip`, `ip:port`, `[ipv6]:port`), tried in order. Default: the
   * nameservers of `resolvConf`, without 127.0.0.11 and without this server.
   */
  upstreams?: readonly string[];
  /** Default '/etc/resolv.conf'. */
  resolvConf?: string;
  /** Wait per upstream before trying the next; after the last, SERVFAIL. Default 2000 ms. */
  forwardTimeoutMs?: number;
  /** Forwarded queries in flight at most (then SERVFAIL at once). Default 1024. */
  maxPendingForwards?: number;
  /** A TCP connection idle this long is closed (RFC 7766 6.2.3). Default 10,000 ms. */
  tcpIdleTimeoutMs?: number;
  /** Open TCP connections at most. Default 256. */
  maxTcpConnections?: number;
  log?: Logger;
}

const DROP = 0;
const FORWARD = 1;
type Outcome = Buffer | typeof DROP | typeof FORWARD;

/** A TCP client that stops reading its answers is cut off past this many queued bytes. */
const MAX_TCP_BACKLOG = 1 << 20;

/**
 * The service DNS server: UDP and TCP on one address and port, answering from a `DnsRecords`
 * source and forwarding the names it says are not the cluster's to upstream resolvers.
 * Local answers are computed synchronously in the socket callback, so a change made to the
 * source is seen by the next query. Over UDP an answer that does not fit 512 bytes (or the
 * client's EDNS0 size, at most 4096) is cut to the records that fit, with TC set, and is sent
 * whole over TCP. Malformed messages are dropped (UDP) or end the connection (TCP); opcodes
 * other than QUERY get NOTIMP. `start()` binds, `stop()` closes every socket.
 */
export class DnsServer {
  private readonly records: DnsRecords;
  private readonly log: Logger;
  private readonly q = new Query();
  private readonly encoder = new AnswerEncoder();
  private readonly parts: ResponseParts = {
    rcode: Rcode.NOERROR,
    aa: true,
    rrs: null,
    rrSize: 16,
    first: 0,
    count: 0,
  };
  private readonly conns = new Set<TcpSocket>();
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private forwarder: Forwarder | undefined;
  private bound: { host: string; port: number } | undefined;
  private upstreamList: Upstream[] = [];

  constructor(private readonly opts: DnsServerOptions) {
    this.records = opts.records;
    this.log = opts.log ?? silentLogger;
  }

  /** Opens the forwarder's sockets, then binds UDP and TCP. Rejects if the port is taken. */
  async start(): Promise<void> {
    if (this.udp !== undefined) throw new Error('DnsServer already started');
    const host = this.opts.host ?? '127.0.0.1';
    const port = this.opts.port ?? 53;
    this.upstreamList = this.resolveUpstreams({ host, port });
    const forwarder = new Forwarder({
      upstreams: this.upstreamList,
      timeoutMs: this.opts.forwardTimeoutMs ?? 2000,
      maxPending: this.opts.maxPendingForwards ?? 1024,
    });
    await forwarder.start();
    this.forwarder = forwarder; // before the first query can arrive
    try {
      await this.bind(host, port);
    } catch (err) {
      forwarder.stop();
      this.forwarder = undefined;
      throw err;
    }
    this.log.info({ ...this.bound, upstreams: this.upstreams() }, 'dns server listening');
  }

  private async bind(host: string, port: number): Promise<void> {
    // With port 0 the kernel picks a free TCP port, which may be taken for UDP: try again.
    for (let attempt = 0; ; attempt++) {
      const tcp = await this.listenTcp(host, port);
      const bound = (tcp.address() as AddressInfo).port;
      try {
        this.udp = await this.bindUdp(host, bound);
        this.tcp = tcp;
        this.bound = { host, port: bound };
        return;
      } catch (err) {
        tcp.close();
        if (port !== 0 || attempt >= 9) throw err;
      }
    }
  }

  /** Closes the UDP socket, the TCP listener and its connections, and the forwarder. */
  async stop(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = undefined;
    this.tcp = undefined;
    this.forwarder?.stop();
    this.forwarder = undefined;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  /** The bound address and port (after `start()`). */
  address(): { host: string; port: number } {
    if (this.bound === undefined) throw new Error('DnsServer not started');
    return { ...this.bound };
  }

  /** The upstream resolvers in use, as `host:port` (after `start()`). */
  upstreams(): string[] {
    return this.upstreamList.map(formatUpstream);
  }

  private resolveUpstreams(self: { host: string; port: number }): Upstream[] {
    if (this.opts.upstreams !== undefined) return this.opts.upstreams.map(parseUpstream);
    const path = this.opts.resolvConf ?? '/etc/resolv.conf';
    try {
      return parseResolvConf(readFileSync(path, 'utf8'), self);
    } catch (err) {
      this.log.warn({ err, path }, 'dns: no upstream resolvers (cannot read resolv.conf)');
      return [];
    }
  }

  private bindUdp(host: string, port: number): Promise<Socket> {
    // Replies go to the sender's IP as received: resolve it synchronously, saving dns.lookup's
    // nextTick per send (a fixed-answer server at half a core: 48,000 -> 52,000 qps).
    const lookup: SocketOptions['lookup'] = (address, _options, callback) =>
      callback(null, address, 4);
    const udp = createSocket({ type: 'udp4', lookup });
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void => {
        udp.close();
        reject(err);
      };
      udp.once('error', fail);
      udp.bind(port, host, () => {
        udp.off('error', fail);
        udp.on('error', (err) => this.log.warn({ err }, 'dns: udp socket error'));
        udp.on('message', (msg, rinfo) => this.onUdp(msg, rinfo));
        resolve(udp);
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<Server> {
    const server = createServer((socket) => this.onConnection(socket));
    server.maxConnections = this.opts.maxTcpConnections ?? 256;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.warn({ err }, 'dns: tcp listener error'));
        resolve(server);
      });
    });
  }

  private onUdp(msg: Buffer, rinfo: RemoteInfo): void {
    const out = this.answer(msg, rinfo.address, false);
    if (out === DROP) return;
    const udp = this.udp;
    if (out !== FORWARD) {
      udp?.send(out, rinfo.port, rinfo.address);
      return;
    }
    this.forwarder?.forward(msg, (response) => {
      if (udp !== this.udp) return; // stopped meanwhile
      udp?.send(response ?? this.failure(msg, false), rinfo.port, rinfo.address);
    });
  }

  private onConnection(socket: TcpSocket): void {
    this.conns.add(socket);
    socket.on('close', () => this.conns.delete(socket));
    socket.on('error', () => undefined); // resets by the client: the connection just ends
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.tcpIdleTimeoutMs ?? 10_000, () => socket.destroy());
    const raw = socket.remoteAddress ?? '';
    const client = raw.startsWith('::ffff:') ? raw.slice(7) : raw;
    const reader = new FrameReader((msg) => {
      const out = msg === null ? DROP : this.answer(msg, client, true);
      if (out === DROP || msg === null) {
        socket.destroy();
        return false;
      }
      if (out === FORWARD) {
        this.forwarder?.forwardTcp(msg, (r) => writeFramed(socket, r ?? this.failure(msg, false)));
      } else {
        socket.write(out);
      }
      if (socket.writableLength <= MAX_TCP_BACKLOG) return true;
      socket.destroy();
      return false;
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  }

  /** A response (framed for TCP), DROP, or FORWARD. Never throws: a failure is SERVFAIL. */
  private answer(msg: Buffer, client: string, tcp: boolean): Outcome {
    try {
      return this.respond(msg, client, tcp);
    } catch (err) {
      this.log.error({ err }, 'dns: answering failed');
      return this.failure(msg, tcp);
    }
  }

  private respond(msg: Buffer, client: string, tcp: boolean): Outcome {
    const q = this.q;
    const prefix = tcp ? 2 : 0;
    switch (parseQuery(msg, q)) {
      case ParseResult.DROP:
        return DROP;
      case ParseResult.FORMERR:
        return buildEmptyResponse(msg, q, Rcode.FORMERR, false, prefix);
      case ParseResult.NOTIMP:
        return buildEmptyResponse(msg, q, Rcode.NOTIMP, false, prefix);
    }
    if (q.ednsVersion !== 0) return buildEmptyResponse(msg, q, Rcode.BADVERS, false, prefix);
    if (q.qclass !== RRType.IN || q.odd) return FORWARD;
    const type: QueryType = q.qtype === RRType.A ? 'A' : q.qtype === RRType.AAAA ? 'AAAA' : 'OTHER';
    const ans = this.records.lookup(client, q.name, type);
    if (ans.kind === 'forward') return FORWARD;
    if (ans.kind === 'nxdomain') return buildEmptyResponse(msg, q, Rcode.NXDOMAIN, true, prefix);
    const enc = type === 'OTHER' ? undefined : this.encoder.encode(ans.addresses, q.qtype, ans.ttl);
    if (enc === undefined || enc.count === 0) {
      return buildEmptyResponse(msg, q, Rcode.NOERROR, true, prefix);
    }
    const parts = this.parts;
    parts.rrs = enc.rrs;
    parts.rrSize = enc.rrSize;
    parts.first = (((ans.first ?? 0) % enc.count) + enc.count) % enc.count;
    parts.count = enc.count;
    return buildResponse(msg, q, parts, tcp ? MAX_TCP_MESSAGE : q.udpSize, prefix);
  }

  /** SERVFAIL for `msg`, framed for TCP when `tcp`. */
  private failure(msg: Buffer, tcp: boolean): Buffer {
    parseQuery(msg, this.q);
    return buildEmptyResponse(msg, this.q, Rcode.SERVFAIL, false, tcp ? 2 : 0);
  }
}
