import { isIP } from 'node:net';

/** An upstream resolver. */
export interface Upstream {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** Reads `ip`, `ip:port`, `[ipv6]:port` or a bare IPv6 address (port 53 by default). */
export function parseUpstream(text: string): Upstream {
  const s = text.trim();
  let host = s;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket !== null) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (isIP(s) === 0) {
    const colon = s.lastIndexOf(':');
    host = s.slice(0, colon);
    port = colon > 0 && /^\d+$/.test(s.slice(colon + 1)) ? Number(s.slice(colon + 1)) : NaN;
  }
  const family = isIP(host);
  if (family === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid upstream resolver "${text}": expected ip, ip:port or [ipv6]:port`);
  }
  return { host, port, family: family === 4 ? 4 : 6 };
}

/** Docker's embedded resolver: a resolv.conf written for a container may name it. */
const EMBEDDED_RESOLVER = '127.0.0.11';

/**
 * The `nameserver` entries of a resolv.conf text as upstreams (port 53), without the server
 * itself (`self`: its host and port; an unspecified host 0.0.0.0 stands for every loopback
 * address) and without Docker's embedded resolver 127.0.0.11, unless `keepEmbedded`: a server in
 * a node's own namespace (the data plane's) can use it, one whose resolv.conf was written for a
 * container cannot.
 */
export function parseResolvConf(
  text: string,
  self?: { host: string; port: number },
  opts: { keepEmbedded?: boolean } = {},
): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m === null) continue;
    const host = m[1]!.replace(/%.*$/, '');
    if (isIP(host) === 0 || (host === EMBEDDED_RESOLVER && !opts.keepEmbedded)) continue;
    if (self !== undefined && self.port === 53 && isSelf(host, self.host)) continue;
    out.push({ host, port: 53, family: isIP(host) === 4 ? 4 : 6 });
  }
  return out;
}

function isSelf(host: string, listen: string): boolean {
  if (host === listen) return true;
  return listen === '0.0.0.0' && (host.startsWith('127.') || host === '::1');
}

/** `host:port`, with brackets for IPv6. */
export function formatUpstream(u: Upstream): string {
  return u.family === 6 ? `[${u.host}]:${u.port}` : `${u.host}:${u.port}`;
}
