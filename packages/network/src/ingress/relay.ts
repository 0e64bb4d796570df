/**
 * One client connection relayed to one backend.
 *
 * Hot path, measured (test/bench/ingress/README.md): the event handlers are module-level
 * functions that find their relay through a symbol on the socket, so a connection costs one
 * object and no closures; data moves with `data`/`write`/`pause`/`resume` instead of `pipe()`,
 * which registers twice as many listeners per direction.
 */
import { connect, type Socket } from 'node:net';
import type { Choice, RoundRobin } from './balancer.js';
import { encodeProxyV2, encodeProxyV2Local } from './proxy-protocol.js';

const RELAY = Symbol('swarmlet.ingress.relay');
type Tagged = Socket & { [RELAY]: Relay };

/** What a relay needs from its listener. Called synchronously from socket events. */
export interface RelayHost {
  readonly pool: RoundRobin;
  readonly proxyProtocol: boolean;
  readonly connectTimeoutMs: number;
  /** A backend attempt failed (refused, unreachable, timed out); the relay moves on. */
  backendFailed(backend: string, err: Error): void;
  /** No backend was set or none accepted: the client was reset. */
  rejected(): void;
  /** The client socket closed; the relay is finished with it. */
  closed(relay: Relay): void;
}

function relayOf(socket: Socket): Relay {
  return (socket as Tagged)[RELAY];
}

/**
 * Relays `client` (accepted with `pauseOnConnect`, so nothing is read before a backend accepts)
 * to the backend chosen by the host's pool. Half-closes are forwarded (both sockets allow half
 * open); an error or reset on one side resets the other.
 */
export class Relay {
  /** The backend socket of the current attempt (after connect: the one relayed to). */
  backend: Socket | undefined = undefined;
  private choice: Choice | undefined = undefined;
  private connected = false;

  /** True once a backend accepted and bytes flow. */
  get isConnected(): boolean {
    return this.connected;
  }

  constructor(
    readonly client: Socket,
    private readonly host: RelayHost,
  ) {
    (client as Tagged)[RELAY] = this;
    client.on('error', onClientError);
    client.on('close', onClientClose);
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

  private dial(choice: Choice): void {
    this.choice = choice;
    const target = choice.list[choice.index];
    if (target === undefined) return this.reject();
    const backend = connect({
      host: target.addr,
      port: target.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    (backend as Tagged)[RELAY] = this;
    this.backend = backend;
    backend.setTimeout(this.host.connectTimeoutMs);
    backend.on('connect', onBackendConnect);
    backend.on('timeout', onBackendTimeout);
    backend.on('error', onBackendError);
  }

  private reject(): void {
    this.host.rejected();
    this.client.resetAndDestroy();
  }

  /** The current attempt failed before connecting: try the next backend, or give up. */
  attemptFailed(backend: Socket, err: Error): void {
    backend.destroy();
    if (backend !== this.backend || this.connected || this.client.destroyed) return;
    const choice = this.choice;
    const target = choice?.list[choice.index];
    this.host.backendFailed(target ? `${target.addr}:${target.port}` : '?', err);
    const next = choice && this.host.pool.next(choice);
    if (next === undefined) this.reject();
    else this.dial(next);
  }

  /** The backend accepted: send the PROXY header if asked, then relay both ways. */
  backendConnected(backend: Socket): void {
    if (backend !== this.backend || this.client.destroyed) {
      backend.destroy();
      return;
    }
    this.connected = true;
    backend.setTimeout(0);
    const client = this.client;
    if (this.host.proxyProtocol) backend.write(proxyHeader(client));
    client.on('data', onData);
    client.on('end', onEnd);
    client.on('drain', onDrain);
    backend.on('data', onData);
    backend.on('end', onEnd);
    backend.on('drain', onDrain);
    client.resume();
  }

  /** The other socket of the pair. */
  peer(socket: Socket): Socket | undefined {
    return socket === this.client ? this.backend : this.client;
  }

  /** One side failed: reset the other, so the failure reaches its end too. */
  failed(socket: Socket): void {
    const peer = this.peer(socket);
    if (peer === undefined || peer.destroyed) return;
    if (this.connected) peer.resetAndDestroy();
    else peer.destroy();
  }

  /** The client is gone: an unconnected attempt is abandoned; the host forgets the relay. */
  clientClosed(): void {
    if (!this.connected) this.backend?.destroy();
    this.host.closed(this);
  }
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

function onData(this: Socket, chunk: Buffer): void {
  const peer = relayOf(this).peer(this);
  if (peer !== undefined && !peer.write(chunk)) this.pause();
}

function onDrain(this: Socket): void {
  relayOf(this).peer(this)?.resume();
}

function onEnd(this: Socket): void {
  const peer = relayOf(this).peer(this);
  if (peer !== undefined && !peer.destroyed) peer.end();
}

function onClientError(this: Socket): void {
  relayOf(this).failed(this);
}

function onClientClose(this: Socket): void {
  relayOf(this).clientClosed();
}

function onBackendConnect(this: Socket): void {
  relayOf(this).backendConnected(this);
}

function onBackendTimeout(this: Socket): void {
  relayOf(this).attemptFailed(this, new Error('backend connect timeout'));
}

function onBackendError(this: Socket, err: Error): void {
  const relay = relayOf(this);
  if (relay.backend === this && relay.isConnected) relay.failed(this);
  else relay.attemptFailed(this, err);
}
