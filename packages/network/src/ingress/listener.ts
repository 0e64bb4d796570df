import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SwarmletError, type Logger } from '@swarmlet/api-types';
import { RoundRobin } from './balancer.js';
import type { BufferPool } from './buffer-pool.js';
import { Relay, type RelayHost } from './relay.js';
import type { Backend, PortStats, PublishedPort } from './types.js';

/** Settings of one listener, resolved from the proxy's and the listen call's options. */
export interface ListenerConfig {
  readonly proxyProtocol: boolean;
  readonly connectTimeoutMs: number;
  readonly buffers: BufferPool | undefined;
  readonly backlog: number;
  readonly logger: Logger;
}

/**
 * One published TCP port: a server that hands every accepted connection to a `Relay`, the
 * round-robin pool the relays choose from, and the set of open relays (so `close` can end them).
 */
export class PortListener implements RelayHost {
  readonly pool = new RoundRobin();
  readonly proxyProtocol: boolean;
  readonly buffers: BufferPool | undefined;
  /** Sweeps so far; a connect attempt older than `timeoutTicks` sweeps fails. */
  tick = 0;
  /** The bound port, set by `open`. */
  bound: PublishedPort = { host: '', port: 0, protocol: 'tcp' };
  private readonly server: Server;
  private readonly relays = new Set<Relay>();
  private readonly logger: Logger;
  private readonly timeoutTicks: number;
  private readonly sweeper: NodeJS.Timeout;
  private accepted = 0;
  private backendFailures = 0;
  private rejections = 0;

  constructor(
    private readonly config: ListenerConfig,
    backends: readonly Backend[],
  ) {
    this.proxyProtocol = config.proxyProtocol;
    this.buffers = config.buffers;
    this.logger = config.logger;
    // One timer per listener instead of one per connection: every quarter of the connect
    // timeout, attempts older than the timeout fail (so a timeout fires after 1 to 1.25 times it).
    const sweepMs = Math.max(10, Math.ceil(config.connectTimeoutMs / 4));
    this.timeoutTicks = Math.ceil(config.connectTimeoutMs / sweepMs);
    this.sweeper = setInterval(() => this.sweep(), sweepMs).unref();
    this.pool.set(backends);
    // pauseOnConnect: no client byte is read (or buffered in JS) before a backend accepted.
    // allowHalfOpen: a client's FIN is forwarded as a FIN, and the response still comes back.
    this.server = createServer(
      { pauseOnConnect: true, allowHalfOpen: true, noDelay: true },
      (client) => this.accept(client),
    );
  }

  /** Binds the port; resolves with the bound address (the real port when 0 was asked). */
  open(port: PublishedPort): Promise<PublishedPort> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new SwarmletError('FAILED_PRECONDITION', `cannot listen on ${port.host}:${port.port}`, {
            cause: err,
            details: { code: err.code },
          }),
        );
      };
      this.server.once('error', onError);
      this.server.listen({ host: port.host, port: port.port, backlog: this.config.backlog }, () => {
        this.server.off('error', onError);
        // Accept errors (EMFILE, ...) are emitted on the server; without a listener they would
        // crash the daemon. The server keeps accepting.
        this.server.on('error', (err) => this.logger.warn({ err }, 'ingress accept failed'));
        const { port: boundPort } = this.server.address() as AddressInfo;
        this.bound = { host: port.host, port: boundPort, protocol: 'tcp' };
        resolve(this.bound);
      });
    });
  }

  /** Stops accepting, destroys every open connection, and resolves once the server closed. */
  close(): Promise<void> {
    clearInterval(this.sweeper);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const relay of this.relays) relay.destroy();
    return closed;
  }

  stats(): PortStats {
    return {
      accepted: this.accepted,
      active: this.relays.size,
      backendFailures: this.backendFailures,
      rejected: this.rejections,
    };
  }

  private sweep(): void {
    this.tick++;
    for (const relay of this.relays) {
      if (relay.dialedAt >= 0 && this.tick - relay.dialedAt > this.timeoutTicks) {
        relay.connectTimedOut();
      }
    }
  }

  private accept(client: Socket): void {
    this.accepted++;
    const relay = new Relay(client, this);
    this.relays.add(relay);
    relay.start();
  }

  backendFailed(backend: string, err: Error): void {
    this.backendFailures++;
    this.logger.debug({ backend, err: err.message }, 'ingress backend attempt failed');
  }

  rejected(): void {
    this.rejections++;
  }

  closed(relay: Relay): void {
    this.relays.delete(relay);
  }
}
