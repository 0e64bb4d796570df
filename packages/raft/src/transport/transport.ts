import type { Message } from '../types.js';

/** Receives every message addressed to this node, in arrival order per peer. */
export type MessageHandler = (msg: Message) => void;

/** Told when a message to `peerId` could not be delivered (connection down or queue full). */
export type UnreachableHandler = (peerId: string) => void;

/** Delivery counters per peer, for diagnostics and tests. */
export interface PeerStats {
  /** Messages handed to the socket. */
  sent: number;
  /** Messages dropped because the peer's send queue was full. */
  dropped: number;
  /** Connections (re-)established. */
  connects: number;
  /** Messages waiting in the queue now. */
  queued: number;
}

/**
 * How a `RaftNode` talks to its peers. Delivery is best effort, as Raft
 * assumes: messages may be dropped, delayed or reordered across connections,
 * never corrupted. `send` never blocks or throws for an unreachable peer; it
 * drops and reports through `onUnreachable`. The simulator supplies its own
 * implementation; `WsTransport` is the real one.
 */
export interface Transport {
  /** Starts listening for inbound messages and connecting to known peers. */
  start(): Promise<void>;
  /** Closes every connection and the listener; pending messages are discarded. */
  stop(): Promise<void>;
  /** Queues messages for their `to` peers; unknown peers are counted as dropped. */
  send(msgs: readonly Message[]): void;
  /** Sets the single handler of inbound messages (replacing any previous one). */
  onMessage(handler: MessageHandler): void;
  /** Sets the single handler told about undeliverable messages. */
  onUnreachable(handler: UnreachableHandler): void;
  /** Adds or re-addresses a peer; `addr` is `host:port`. */
  addPeer(id: string, addr: string): void;
  /** Forgets a peer and closes its connection. */
  removePeer(id: string): void;
  /** Counters per known peer. */
  stats(): Record<string, PeerStats>;
}
