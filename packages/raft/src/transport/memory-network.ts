import type { Message } from '../types.js';
import { decodeFrame, encodeFrame } from './codec.js';
import type { MessageHandler, PeerStats, Transport, UnreachableHandler } from './transport.js';

/**
 * An in-process network of `Transport`s for driver tests: messages go through
 * the wire codec and arrive on a later event-loop turn. `isolate(id)` drops
 * everything to and from a node until `heal()`.
 */
export class MemoryNetwork {
  private readonly nodes = new Map<string, MemoryTransport>();
  private readonly isolated = new Set<string>();

  /** The transport of node `id` (created on first call). */
  transport(id: string): Transport {
    let t = this.nodes.get(id);
    if (t === undefined) {
      t = new MemoryTransport(id, this);
      this.nodes.set(id, t);
    }
    return t;
  }

  /** Cuts node `id` off from every other node. */
  isolate(id: string): void {
    this.isolated.add(id);
  }

  /** Reconnects every isolated node. */
  heal(): void {
    this.isolated.clear();
  }

  /** @internal Delivers `frame` from `from` to `to` unless either is cut off or stopped. */
  route(from: string, to: string, frame: Uint8Array): boolean {
    const dest = this.nodes.get(to);
    if (dest === undefined || !dest.running || this.isolated.has(from) || this.isolated.has(to))
      return false;
    setImmediate(() => dest.receive(frame));
    return true;
  }
}

class MemoryTransport implements Transport {
  running = false;
  private handler: MessageHandler = () => undefined;
  private unreachable: UnreachableHandler = () => undefined;
  private readonly peers = new Map<string, PeerStats>();

  constructor(
    private readonly id: string,
    private readonly net: MemoryNetwork,
  ) {}

  async start(): Promise<void> {
    this.running = true;
  }
  async stop(): Promise<void> {
    this.running = false;
  }
  send(msgs: readonly Message[]): void {
    if (!this.running) return;
    for (const m of msgs) {
      const st = this.peers.get(m.to);
      if (st === undefined || !this.net.route(this.id, m.to, encodeFrame([m]))) {
        if (st !== undefined) st.dropped++;
        this.unreachable(m.to);
        continue;
      }
      st.sent++;
    }
  }
  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }
  onUnreachable(handler: UnreachableHandler): void {
    this.unreachable = handler;
  }
  addPeer(id: string): void {
    if (!this.peers.has(id)) this.peers.set(id, { sent: 0, dropped: 0, connects: 1, queued: 0 });
  }
  removePeer(id: string): void {
    this.peers.delete(id);
  }
  stats(): Record<string, PeerStats> {
    return Object.fromEntries([...this.peers].map(([k, v]) => [k, { ...v }]));
  }
  receive(frame: Uint8Array): void {
    if (!this.running) return;
    for (const m of decodeFrame(frame)) this.handler(m);
  }
}
