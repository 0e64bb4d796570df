import type { ClientOptions } from 'ws';
import { WebSocket } from 'ws';
import type { Message } from '../types.js';
import { encodeFrame } from './codec.js';
import type { PeerStats } from './transport.js';

/** Tuning of one outbound peer connection. */
export interface PeerOptions {
  /** Messages kept while the socket is busy or down; more are dropped. */
  maxQueue: number;
  /** Stop writing while the socket buffers more than this many bytes. */
  maxBufferedBytes: number;
  /** First reconnect delay; doubles per failure up to `maxBackoffMs`. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Most messages per frame. */
  maxBatch: number;
  /**
   * WebSocket ping period; a connection that misses two pongs in a row is dropped and redialed
   * (0 = off). Without it a connection silently cut by a partition is noticed only by TCP
   * retransmission timeouts, minutes later, and a healed peer stays unreachable meanwhile.
   */
  keepaliveMs: number;
}

/** Header through which a connecting node states its id. */
export const NODE_ID_HEADER = 'x-swarmlet-raft-node';

/**
 * One outbound WebSocket to a peer, with a bounded queue. Messages are sent in
 * batches (one frame per flush); when the socket is down or its buffer is over
 * the limit they wait in the queue, and when the queue is full new messages
 * are dropped and counted, which Raft tolerates. Reconnects with exponential
 * backoff until `close()`.
 */
export class PeerConnection {
  private ws: WebSocket | undefined;
  private queue: Message[] = [];
  private backoff: number;
  private timer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private closed = false;
  readonly counters: Omit<PeerStats, 'queued'> = { sent: 0, dropped: 0, connects: 0 };

  constructor(
    readonly id: string,
    private url: string,
    private clientOpts: ClientOptions,
    private readonly opts: PeerOptions,
    /** Called when a message is dropped or queued for a peer that is not connected. */
    private readonly onDrop: () => void,
  ) {
    this.backoff = opts.minBackoffMs;
  }

  /** Begins connecting (idempotent). */
  connect(): void {
    if (this.closed || this.ws !== undefined || this.timer !== undefined) return;
    const ws = new WebSocket(this.url, this.clientOpts);
    ws.binaryType = 'nodebuffer';
    this.ws = ws;
    let keepalive: NodeJS.Timeout | undefined;
    ws.on('open', () => {
      this.backoff = this.opts.minBackoffMs;
      this.counters.connects++;
      this.scheduleFlush();
      if (this.opts.keepaliveMs > 0) {
        let missed = 0;
        ws.on('pong', () => (missed = 0));
        keepalive = setInterval(() => {
          if (++missed > 2) ws.terminate();
          else ws.ping();
        }, this.opts.keepaliveMs);
        keepalive.unref();
      }
    });
    ws.on('error', () => undefined); // 'close' follows and handles the retry
    ws.on('close', () => {
      clearInterval(keepalive);
      if (this.ws === ws) this.ws = undefined;
      this.retryLater();
    });
  }

  /** Options for the next connection (e.g. a renewed certificate); the current one stays. */
  setClientOptions(opts: ClientOptions): void {
    this.clientOpts = opts;
  }

  /** Points the peer at a new address; the current connection is replaced. */
  readdress(url: string): void {
    if (url === this.url) return;
    this.url = url;
    this.ws?.terminate();
  }

  /** Queues a message (or drops it when the queue is full) and schedules a flush. */
  enqueue(m: Message): void {
    if (this.queue.length >= this.opts.maxQueue) {
      this.counters.dropped++;
      this.onDrop();
      return;
    }
    this.queue.push(m);
    if (this.ws?.readyState !== WebSocket.OPEN) this.onDrop();
    this.scheduleFlush();
  }

  /** Messages waiting now. */
  get queued(): number {
    return this.queue.length;
  }

  /** Stops reconnecting and closes the socket; queued messages are discarded. */
  close(): void {
    this.closed = true;
    this.queue = [];
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.ws?.terminate();
    this.ws = undefined;
  }

  private retryLater(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, this.backoff);
    this.timer.unref();
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs);
  }

  // Flushing on setImmediate lets every send() of one event-loop turn share a frame.
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN || this.queue.length === 0) return;
    while (this.queue.length > 0) {
      if (ws.bufferedAmount > this.opts.maxBufferedBytes) {
        // No public 'drain' event on ws: poll until the kernel took the bytes.
        setTimeout(() => this.scheduleFlush(), 5).unref();
        return;
      }
      const batch = this.queue.splice(0, this.opts.maxBatch);
      ws.send(encodeFrame(batch), { binary: true });
      this.counters.sent += batch.length;
    }
  }
}
