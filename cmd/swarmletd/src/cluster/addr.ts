import { invalid } from '@swarmlet/api-types';

/** The cluster port: Raft, agent sessions, the authenticated API (Swarm uses 2377). */
export const DEFAULT_CLUSTER_PORT = 4242;

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host`, `host:port`, `[v6]:port`; the port defaults to `defaultPort`. */
export function parseAddr(
  addr: string,
  what: string,
  defaultPort = DEFAULT_CLUSTER_PORT,
): HostPort {
  const s = addr.trim().replace(/^(tcp|https?):\/\//, '');
  let host = s;
  let portStr = '';
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1] ?? '';
    portStr = v6[2] ?? '';
  } else if (s.split(':').length === 2) {
    [host = '', portStr = ''] = s.split(':');
  }
  const port = portStr === '' ? defaultPort : Number(portStr);
  if (host === '' || !/^[A-Za-z0-9.:_-]+$/.test(host)) {
    throw invalid(`invalid ${what} "${addr}": expected HOST or HOST:PORT`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid(`invalid ${what} "${addr}": port must be 1-65535`);
  }
  return { host, port };
}

/** `host:port`, bracketing IPv6 hosts. */
export function formatAddr(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
