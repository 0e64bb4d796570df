import { SwarmletError, invalid, notFound, silentLogger, type Logger } from '@swarmlet/api-types';
import { BufferPool } from './buffer-pool.js';
import { PortListener } from './listener.js';
import {
  checkBackends,
  checkPublishedPort,
  portKey,
  type Backend,
  type IngressProxyOptions,
  type ListenOptions,
  type PortStats,
  type PublishedPort,
} from './types.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_BACKLOG = 4096;
const DEFAULT_READ_BUFFER_BYTES = 16384;
const POOLED_BUFFERS = 256;

/**
 * The ingress (VIP) proxy: listens on published TCP ports and relays each accepted connection to
 * one backend of that port, round-robin in order of acceptance. It knows nothing of services or
 * tasks; its owner keeps each port's backend set current with `setBackends`.
 *
 * Contracts:
 * - Rotation: the n-th accepted connection of a port (from 0) starts at backend n mod size of
 *   the list current at its acceptance; the count survives `setBackends`. A backend that
 *   refuses, is unreachable or does not accept within `connectTimeoutMs` is skipped for that
 *   connection: the next ones in list order are tried, at most as many attempts as there are
 *   backends; then the client is reset.
 * - No backends: the connection is accepted and reset at once (RST, no TIME_WAIT here; a client
 *   sees "connection reset", never an empty reply it could mistake for a response).
 * - Drain: `setBackends` affects only connections accepted later. A connection already relayed to
 *   a removed backend goes on, both directions, until one side closes it. So the owner adds a task
 *   once it is running and healthy, and removes it before stopping it.
 * - Half-close is forwarded (a client's FIN reaches the backend as a FIN and the response still
 *   comes back); a reset or error on one side resets the other. Nothing a client or backend does
 *   throws out of the proxy.
 * - No byte of a client is read before a backend accepted it (`pauseOnConnect`): the kernel's
 *   socket buffer holds it meanwhile.
 */
export class IngressProxy {
  private readonly listeners = new Map<string, PortListener>();
  /** Incremented by `stop`, so a `listen` still binding then does not outlive it. */
  private generation = 0;
  private readonly connectTimeoutMs: number;
  private readonly backlog: number;
  private readonly buffers: BufferPool | undefined;
  private readonly logger: Logger;

  constructor(options: IngressProxyOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.backlog = options.backlog ?? DEFAULT_BACKLOG;
    const readBufferBytes = options.readBufferBytes ?? DEFAULT_READ_BUFFER_BYTES;
    this.logger = options.logger ?? silentLogger;
    if (!(this.connectTimeoutMs > 0)) throw invalid('connectTimeoutMs must be positive');
    if (!Number.isInteger(readBufferBytes) || readBufferBytes < 0) {
      throw invalid('readBufferBytes must be a non-negative integer');
    }
    // Shared by all ports; idle buffers kept are bounded (POOLED_BUFFERS x readBufferBytes).
    this.buffers =
      readBufferBytes > 0 ? new BufferPool(readBufferBytes, POOLED_BUFFERS) : undefined;
  }

  /**
   * Starts listening on `port` and resolves with the bound port, which is the key for the other
   * methods (with `port: 0` the system picks one). Fails with ALREADY_EXISTS if this proxy
   * already listens there, FAILED_PRECONDITION if the address cannot be bound (in use, ...).
   */
  async listen(port: PublishedPort, options: ListenOptions = {}): Promise<PublishedPort> {
    checkPublishedPort(port);
    const backends = options.backends ?? [];
    checkBackends(backends);
    if (port.port !== 0 && this.listeners.has(portKey(port))) {
      throw new SwarmletError('ALREADY_EXISTS', `ingress already listens on ${portKey(port)}`);
    }
    const listener = new PortListener(
      {
        proxyProtocol: options.proxyProtocol ?? false,
        connectTimeoutMs: this.connectTimeoutMs,
        buffers: this.buffers,
        backlog: this.backlog,
        logger: this.logger,
      },
      backends,
    );
    const generation = this.generation;
    let bound: PublishedPort;
    try {
      bound = await listener.open(port);
    } catch (err) {
      await listener.close();
      throw err;
    }
    if (generation !== this.generation || this.listeners.has(portKey(bound))) {
      // stop() ran, or another listen() of the same port won, while this one was binding.
      await listener.close();
      throw new SwarmletError('UNAVAILABLE', `ingress listen on ${portKey(port)} was cancelled`);
    }
    this.listeners.set(portKey(bound), listener);
    return bound;
  }

  /**
   * Replaces the backends of a listened port, for connections accepted from now on (see the
   * drain contract above). Order matters: it is the rotation order. NOT_FOUND if not listening.
   */
  setBackends(port: PublishedPort, backends: readonly Backend[]): void {
    checkBackends(backends);
    this.listener(port).pool.set(backends);
  }

  /** The backends currently set for `port`. */
  backends(port: PublishedPort): readonly Backend[] {
    return this.listener(port).pool.backends;
  }

  /** Counters of `port` since it was listened on. */
  stats(port: PublishedPort): PortStats {
    return this.listener(port).stats();
  }

  /** The ports listened on, as returned by `listen`. */
  ports(): PublishedPort[] {
    return [...this.listeners.values()].map((l) => l.bound);
  }

  /**
   * Stops listening on `port` and destroys its open connections; resolves once the listening
   * socket is closed. A port not listened on is a no-op.
   */
  async close(port: PublishedPort): Promise<void> {
    const key = portKey(port);
    const listener = this.listeners.get(key);
    if (listener === undefined) return;
    this.listeners.delete(key);
    await listener.close();
  }

  /** Closes every port (as `close`). Idempotent. */
  async stop(): Promise<void> {
    this.generation++;
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((l) => l.close()));
  }

  private listener(port: PublishedPort): PortListener {
    const listener = this.listeners.get(portKey(port));
    if (listener === undefined) throw notFound('ingress port', portKey(port));
    return listener;
  }
}
