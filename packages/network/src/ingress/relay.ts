/**
 * One client connection relayed to one backend.
 *
 * Hot path, as measured (test/bench/ingress/README.md):
 * - Backend bytes are read with the socket's `onread` option into a buffer owned by the relay and
 *   written to the client from there, skipping the per-read allocation and the Readable stream
 *   machinery (-25% user CPU per keep-alive request). The buffer is reused only while writes
 *   complete synchronously; if a write stays queued it keeps that buffer and the next read gets a
 *   new one, so queued bytes are never overwritten.
 * - Client bytes (accepted sockets have no `onread`) use `data`/`write`/`pause`/`resume`; `drain`
 *   listeners are added only under backpressure.
 * - Handlers are closures of the relay (a dozen small functions per connection). Module-level
 *   handlers finding their relay through a symbol on the socket measured no better.
 * - Read buffers come from a pool shared by the proxy, so a new connection does not allocate one.
 * - No timer per connection: the listener's sweep times out slow connects.
 */
import { connect, type Socket } from 'node:net';
import type { Choice, RoundRobin } from './balancer.js';
import type { BufferPool } from './buffer-pool.js';
import { encodeProxyV2, encodeProxyV2Local } from './proxy-protocol.js';

/** What a relay needs from its listener. Called synchronously from socket events. */
export interface RelayHost {
  readonly pool: RoundRobin;
  readonly proxyProtocol: boolean;
  /** Backend read buffers; undefined: read the default way (a new buffer per read). */
  readonly buffers: BufferPool | undefined;
  /** The sweep counter now (see `Relay.dialedAt`). */
  readonly tick: number;
  /** A backend attempt failed (refused, unreachable, timed out); the relay moves on. */
  backendFailed(backend: string, err: Error): void;
  /** No backend was set or none accepted: the client was reset. */
  rejected(): void;
  /** The client socket closed; the relay is finished with it. */
  closed(relay: Relay): void;
}

/**
 * Relays `client` (accepted with `pauseOnConnect`, so nothing is read before a backend accepts)
 * to the backend chosen by the host's pool. Half-closes are forwarded (both sockets allow half
 * open); an error or reset on one side resets the other.
 */
export class Relay {
  /** The backend socket of the current attempt (after connect: the one relayed to). */
  backend: Socket | undefined = undefined;
  /** Host tick when the current attempt started, while connecting; -1 otherwise. */
  dialedAt = -1;
  private choice: Choice | undefined = undefined;
  private connected = false;
  private buffer: Buffer | undefined = undefined;

  constructor(
    readonly client: Socket,
    private readonly host: RelayHost,
  ) {
    client.on('error', this.onClientError);
    client.on('close', this.onClientClose);
  }

  /** Chooses the first backend and dials it; resets the client when there is none. */
  start(): void {
    const choice = this.host.pool.first();
    if (choice === undefined) this.reject();
    else this.dial(choice);
  }

  /** Destroys both sockets at once (listener closing). */
  destroy(): void {
    this.client.destroy();
    this.backend?.destroy();
  }

  /** The current attempt took too long: counts as a refusal. */
  connectTimedOut(): void {
    if (this.backend) this.attemptFailed(this.backend, new Error('backend connect timeout'));
  }

  private dial(choice: Choice): void {
    this.choice = choice;
    const target = choice.list[choice.index];
    if (target === undefined) return this.reject();
    const options = { host: target.addr, port: target.port, allowHalfOpen: true, noDelay: true };
    const pool = this.host.buffers;
    const backend = pool
      ? connect({
          ...options,
          onread: { buffer: () => (this.buffer ??= pool.take()), callback: this.onBackendRead },
        })
      : connect(options);
    this.backend = backend;
    this.dialedAt = this.host.tick;
    backend.on('connect', () => this.backendConnected(backend));
    backend.on('error', (err) => {
      if (backend === this.backend && this.connected) this.failed(backend);
      else this.attemptFailed(backend, err);
    });
  }

  private reject(): void {
    this.host.rejected();
    this.client.resetAndDestroy();
  }

  /** The current attempt failed before connecting: try the next backend, or give up. */
  private attemptFailed(backend: Socket, err: Error): void {
    backend.destroy();
    if (backend !== this.backend || this.connected || this.client.destroyed) return;
    this.dialedAt = -1;
    const choice = this.choice;
    const target = choice?.list[choice.index];
    this.host.backendFailed(target ? `${target.addr}:${target.port}` : '?', err);
    const next = choice && this.host.pool.next(choice);
    if (next === undefined) this.reject();
    else this.dial(next);
  }

  /** The backend accepted: send the PROXY header if asked, then relay both ways. */
  private backendConnected(backend: Socket): void {
    if (backend !== this.backend || this.client.destroyed) {
      backend.destroy();
      return;
    }
    this.connected = true;
    this.dialedAt = -1;
    const client = this.client;
    if (this.host.proxyProtocol) backend.write(proxyHeader(client));
    client.on('data', this.onClientData);
    client.on('end', this.onClientEnd);
    if (!this.host.buffers) backend.on('data', this.onBackendData);
    backend.on('end', this.onBackendEnd);
    client.resume();
  }

  /** One side failed: reset the other, so the failure reaches its end too. */
  private failed(socket: Socket): void {
    const peer = socket === this.client ? this.backend : this.client;
    if (peer === undefined || peer.destroyed) return;
    if (this.connected) peer.resetAndDestroy();
    else peer.destroy();
  }

  /**
   * `onread` callback of the backend: `buf` is the relay's buffer. If the write to the client is
   * queued rather than done, the queue holds `buf`: the next read must go to a new buffer.
   */
  private readonly onBackendRead = (nread: number, buf: Buffer): boolean => {
    const client = this.client;
    const flushed = client.write(buf.subarray(0, nread));
    if (client.writableLength > 0) this.buffer = undefined;
    if (flushed) return true;
    client.once('drain', this.resumeBackend);
    return false; // stops reading until the client drains
  };

  private readonly onBackendData = (chunk: Buffer): void => {
    if (this.client.write(chunk)) return;
    this.backend?.pause();
    this.client.once('drain', this.resumeBackend);
  };

  private readonly onClientData = (chunk: Buffer): void => {
    const backend = this.backend;
    if (backend === undefined || backend.write(chunk)) return;
    this.client.pause();
    backend.once('drain', this.resumeClient);
  };

  private readonly resumeBackend = (): void => {
    this.backend?.resume();
  };

  private readonly resumeClient = (): void => {
    this.client.resume();
  };

  private readonly onClientEnd = (): void => {
    if (this.backend) forwardEnd(this.backend);
  };

  private readonly onBackendEnd = (): void => {
    forwardEnd(this.client);
  };

  private readonly onClientError = (): void => {
    this.failed(this.client);
  };

  /**
   * The client is gone: an unconnected attempt is abandoned; the host forgets the relay. The read
   * buffer goes back to the pool: the backend reads no more (it sent its FIN, or it was destroyed
   * when the client failed or the listener closed) and the client's queued writes are done or
   * dropped.
   */
  private readonly onClientClose = (): void => {
    if (!this.connected) this.backend?.destroy();
    if (this.buffer) this.host.buffers?.give(this.buffer);
    this.buffer = undefined;
    this.host.closed(this);
  };
}

/**
 * A FIN arrived from the other side: forward it to `to`. If `to` had already sent its FIN and
 * has nothing queued, both directions are done and `close(2)` sends the FIN: one `shutdown(2)`
 * (and its callbacks) fewer per connection. `close` cannot reset here: everything was read.
 */
function forwardEnd(to: Socket): void {
  if (to.destroyed) return;
  if (to.readableEnded && to.writableLength === 0) to.destroy();
  else to.end();
}

function proxyHeader(client: Socket): Buffer {
  const { remoteAddress, remotePort, localAddress, localPort } = client;
  if (remoteAddress === undefined || remotePort === undefined) return encodeProxyV2Local();
  if (localAddress === undefined || localPort === undefined) return encodeProxyV2Local();
  return encodeProxyV2(
    { address: remoteAddress, port: remotePort },
    { address: localAddress, port: localPort },
  );
}
