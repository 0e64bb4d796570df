import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { ClientOptions, ServerOptions } from 'ws';
import { WebSocketServer } from 'ws';
import type { Message } from '../types.js';
import { decodeFrame } from './codec.js';
import { NODE_ID_HEADER, type PeerOptions, PeerConnection } from './peer.js';
import type { MessageHandler, PeerStats, Transport, UnreachableHandler } from './transport.js';

/** PEM material for mutual TLS: our key and certificate, and the CA that signs every peer. */
export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca: string | Buffer;
}

/** Options of `WsTransport`. */
export interface WsTransportOptions extends Partial<PeerOptions> {
  /** This node's id, sent to peers in the `x-swarmlet-raft-node` header. */
  id: string;
  /** Listen address (default 127.0.0.1) and port (0 = pick one; see `port`). */
  host?: string;
  port: number;
  /** When set, listen with https/wss requiring client certificates, and dial with wss. */
  tls?: TlsOptions;
  /**
   * With `tls`: refuse an inbound peer unless its certificate's subject CN
   * equals the node id it claims in the header (swarmlet node certificates
   * name the node). Default false.
   */
  requireCertId?: boolean;
  /** Largest accepted inbound frame (default 64 MiB). */
  maxFrameBytes?: number;
  /**
   * With `tls`: replaces the host-name check of dialed peers (node certificates name node ids,
   * not addresses); return an Error to refuse the peer.
   */
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  /**
   * Do not listen: the owner runs the (TLS) server, authenticates the peer and hands `/raft`
   * upgrades to `handleUpgrade`. `host`/`port` are then ignored.
   */
  external?: boolean;
}

const DEFAULTS: PeerOptions = {
  maxQueue: 4096,
  maxBufferedBytes: 8 * 1024 * 1024,
  minBackoffMs: 50,
  maxBackoffMs: 1000,
  maxBatch: 512,
  keepaliveMs: 1000,
};

/** Path of the Raft WebSocket endpoint. */
export const RAFT_WS_PATH = '/raft';

/**
 * `Transport` over WebSockets: an inbound server on `host:port` plus one
 * outbound connection per peer (see `PeerConnection`). Inbound frames are
 * decoded and handed to the message handler; a connection that sends an
 * undecodable frame is closed. With `tls`, both directions use mutual TLS.
 */
export class WsTransport implements Transport {
  private readonly opts: PeerOptions;
  private readonly peers = new Map<string, PeerConnection>();
  private handler: MessageHandler = () => undefined;
  private unreachable: UnreachableHandler = () => undefined;
  private server: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private started = false;

  constructor(private readonly config: WsTransportOptions) {
    this.opts = { ...DEFAULTS, ...stripUndefined(config) };
  }

  /** The bound port once started (useful with `port: 0`). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.config.port;
  }

  /**
   * External mode: completes a WebSocket upgrade the owner's server received on `/raft` (after
   * its own authentication). The peer names itself in the `x-swarmlet-raft-node` header.
   */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const wss = this.wss;
    if (!wss || !this.started) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }

  /** Replaces the TLS material (certificate renewal); new outbound connections use it. */
  setTls(tls: TlsOptions): void {
    this.config.tls = tls;
    for (const p of this.peers.values()) p.setClientOptions(this.clientOptions());
  }

  /** @inheritDoc */
  async start(): Promise<void> {
    if (this.config.external) {
      this.wss = this.newWss({ noServer: true });
      this.started = true;
      for (const p of this.peers.values()) p.connect();
      return;
    }
    const tls = this.config.tls;
    const server = tls
      ? https.createServer({ ...tls, requestCert: true, rejectUnauthorized: true })
      : http.createServer();
    const wss = this.newWss({ server, path: RAFT_WS_PATH });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.wss = wss;
    this.started = true;
    for (const p of this.peers.values()) p.connect();
  }

  private newWss(base: ServerOptions): WebSocketServer {
    const wss = new WebSocketServer({
      ...base,
      maxPayload: this.config.maxFrameBytes ?? 64 * 1024 * 1024,
      perMessageDeflate: false,
    });
    wss.on('connection', (ws, req) => {
      const from = req.headers[NODE_ID_HEADER];
      if (typeof from !== 'string' || from === '') return ws.close(1008, 'missing node id');
      if (this.config.requireCertId && certSubjectCN(req.socket) !== from) {
        return ws.close(1008, 'certificate does not name this node id');
      }
      ws.on('message', (data: Buffer) => this.deliver(data, () => ws.terminate()));
      ws.on('error', () => ws.terminate());
    });
    return wss;
  }

  /** @inheritDoc */
  async stop(): Promise<void> {
    this.started = false;
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
    for (const c of this.wss?.clients ?? []) c.terminate();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.server = undefined;
    this.wss = undefined;
  }

  /** @inheritDoc */
  send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      const p = this.peers.get(m.to);
      if (p === undefined) {
        this.unreachable(m.to);
        continue;
      }
      p.enqueue(m);
    }
  }

  /** @inheritDoc */
  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  /** @inheritDoc */
  onUnreachable(handler: UnreachableHandler): void {
    this.unreachable = handler;
  }

  /** @inheritDoc */
  addPeer(id: string, addr: string): void {
    const url = `${this.config.tls ? 'wss' : 'ws'}://${addr}${RAFT_WS_PATH}`;
    const existing = this.peers.get(id);
    if (existing !== undefined) return existing.readdress(url);
    const p = new PeerConnection(id, url, this.clientOptions(), this.opts, () =>
      this.unreachable(id),
    );
    this.peers.set(id, p);
    if (this.started) p.connect();
  }

  /** @inheritDoc */
  removePeer(id: string): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  /** @inheritDoc */
  stats(): Record<string, PeerStats> {
    const out: Record<string, PeerStats> = {};
    for (const [id, p] of this.peers) out[id] = { ...p.counters, queued: p.queued };
    return out;
  }

  private clientOptions(): ClientOptions {
    const headers = { [NODE_ID_HEADER]: this.config.id };
    const tls = this.config.tls;
    return tls
      ? ({
          headers,
          perMessageDeflate: false,
          key: tls.key,
          cert: tls.cert,
          ca: tls.ca,
          ...(this.config.checkServerIdentity
            ? { checkServerIdentity: this.config.checkServerIdentity }
            : {}),
        } as unknown as ClientOptions)
      : { headers, perMessageDeflate: false };
  }

  private deliver(data: Buffer, onBad: () => void): void {
    let msgs: Message[];
    try {
      msgs = decodeFrame(data);
    } catch {
      onBad();
      return;
    }
    for (const m of msgs) this.handler(m);
  }
}

/** Subject CN of the client certificate on a TLS socket, or undefined. */
function certSubjectCN(socket: Socket): string | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}

function stripUndefined(o: Partial<PeerOptions>): Partial<PeerOptions> {
  const out: Partial<PeerOptions> = {};
  for (const k of [
    'maxQueue',
    'maxBufferedBytes',
    'minBackoffMs',
    'maxBackoffMs',
    'maxBatch',
    'keepaliveMs',
  ] as const) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
