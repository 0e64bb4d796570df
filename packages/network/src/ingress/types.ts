import { isIP } from 'node:net';
import { invalid, type Logger } from '@swarmlet/api-types';

/** A published port: where the ingress listens. `host` is an IP literal (`0.0.0.0`, `::`, ...). */
export interface PublishedPort {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'tcp';
}

/** One backend of a published port: a task's address and target port. `addr` is an IP literal. */
export interface Backend {
  readonly addr: string;
  readonly port: number;
}

/** Per-listener options, fixed for the listener's life. */
export interface ListenOptions {
  /**
   * Send a binary PROXY protocol v2 header (client source and original destination) to each
   * backend before any client byte. The backend must expect it: it is not HTTP.
   */
  readonly proxyProtocol?: boolean;
  /** Initial backends, as if `setBackends` were called before the first connection. */
  readonly backends?: readonly Backend[];
}

/** Options of an `IngressProxy`, shared by all its listeners. */
export interface IngressProxyOptions {
  /**
   * A backend that has not accepted within this time counts as refusing: the connection moves
   * on to the next backend. Default 3000 ms.
   */
  readonly connectTimeoutMs?: number;
  /**
   * Bytes of the buffer each backend connection reads into (reused across reads while writes to
   * the client complete at once). 0 lets Node allocate a buffer per read instead: less memory per
   * idle connection, more CPU per read. Default 16384 (HAProxy's default buffer size).
   */
  readonly readBufferBytes?: number;
  /** `listen(2)` backlog. Default 4096 (Linux caps it at `net.core.somaxconn`). */
  readonly backlog?: number;
  /** Accept errors (warn) and failed backend attempts (debug). Default: silent. */
  readonly logger?: Logger;
}

/** Counters of one listener since `listen`. */
export interface PortStats {
  /** Client connections accepted. */
  readonly accepted: number;
  /** Client connections open now (connecting to a backend or relaying). */
  readonly active: number;
  /** Backend connection attempts that failed (refused, unreachable or timed out). */
  readonly backendFailures: number;
  /** Client connections reset because no backend was set or none accepted. */
  readonly rejected: number;
}

/** The map key of a published port, e.g. `tcp/0.0.0.0:8080` or `tcp/[::]:8080`. */
export function portKey(port: PublishedPort): string {
  const host = port.host.includes(':') ? `[${port.host}]` : port.host;
  return `${port.protocol}/${host}:${port.port}`;
}

function validPort(port: unknown, allowZero: boolean): boolean {
  return (
    Number.isInteger(port) && (port as number) >= (allowZero ? 0 : 1) && (port as number) <= 65535
  );
}

/** Throws INVALID_ARGUMENT unless `port` is a TCP port on an IP literal (port 0: any free port). */
export function checkPublishedPort(port: PublishedPort): void {
  if (port.protocol !== 'tcp') throw invalid(`unsupported protocol ${String(port.protocol)}`);
  if (isIP(port.host) === 0) throw invalid(`listen host must be an IP address: ${port.host}`);
  if (!validPort(port.port, true)) throw invalid(`invalid port ${String(port.port)}`);
}

/** Throws INVALID_ARGUMENT unless every backend is an IP literal with a port in 1-65535. */
export function checkBackends(backends: readonly Backend[]): void {
  for (const b of backends) {
    if (isIP(b.addr) === 0) throw invalid(`backend address must be an IP address: ${b.addr}`);
    if (!validPort(b.port, false)) throw invalid(`invalid backend port ${String(b.port)}`);
  }
}
