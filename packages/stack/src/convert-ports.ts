import { PORT_PROTOCOLS, PUBLISH_MODES, type Port } from '@swarmlet/api-types';
import { asBool, asEnum, asList, asMap, asString, composeError, isMap } from './raw.js';

function portNumber(s: string, where: string, what: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= 65535))
    throw composeError(where, `invalid ${what} port "${s}": use 1-65535`);
  return n;
}

/** `8000` or `8000-8002` as the list of ports. */
function portRange(s: string, where: string, what: string): number[] {
  const [lo = '', hi] = s.split('-');
  const first = portNumber(lo, where, what);
  const last = hi === undefined ? first : portNumber(hi, where, what);
  if (last < first) throw composeError(where, `invalid ${what} port range "${s}"`);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/**
 * Short syntax: `TARGET`, `PUBLISHED:TARGET`, either with `/udp` or `/tcp`, ranges of equal
 * length (`8000-8001:80-81`). A host address (`127.0.0.1:8080:80`) is refused: published ports
 * listen on every node.
 */
function shortPort(spec: string, where: string): Port[] {
  const [addr = '', proto = 'tcp', extra] = spec.split('/');
  if (extra !== undefined) throw composeError(where, `invalid port "${spec}"`);
  const protocol = asEnum(proto, where, PORT_PROTOCOLS);
  const parts = addr.split(':');
  if (parts.length > 2)
    throw composeError(
      where,
      `invalid port "${spec}": a host address is not supported (ports are published on every node)`,
    );
  const targets = portRange(parts[parts.length - 1] ?? '', where, 'target');
  if (parts.length === 1) return targets.map((target) => ({ target, protocol, mode: 'ingress' }));
  const published = portRange(parts[0] ?? '', where, 'published');
  if (published.length !== targets.length)
    throw composeError(where, `invalid port "${spec}": the two ranges differ in length`);
  return targets.map((target, i) => ({
    target,
    published: published[i],
    protocol,
    mode: 'ingress',
  }));
}

function longPort(raw: Record<string, unknown>, where: string): Port {
  if (raw['target'] === undefined) throw composeError(where, 'a port needs a target');
  const port: Port = {
    target: portNumber(asString(raw['target'], `${where}.target`), `${where}.target`, 'target'),
    protocol:
      raw['protocol'] === undefined
        ? 'tcp'
        : asEnum(raw['protocol'], `${where}.protocol`, PORT_PROTOCOLS),
    mode:
      raw['mode'] === undefined ? 'ingress' : asEnum(raw['mode'], `${where}.mode`, PUBLISH_MODES),
  };
  if (raw['published'] !== undefined && raw['published'] !== null && raw['published'] !== '')
    port.published = portNumber(
      asString(raw['published'], `${where}.published`),
      `${where}.published`,
      'published',
    );
  const proxy = raw['x-proxy-protocol'];
  if (proxy !== undefined && asBool(proxy, `${where}.x-proxy-protocol`)) {
    if (port.mode !== 'ingress') throw composeError(where, 'x-proxy-protocol needs mode ingress');
    port.proxyProtocol = true;
  }
  return port;
}

/** A service's `ports:` (short and long syntax) as published ports, in file order. */
export function convertPorts(v: unknown, where: string): Port[] {
  return asList(v, where).flatMap((p, i) =>
    isMap(p)
      ? [longPort(asMap(p, `${where}[${i}]`), `${where}[${i}]`)]
      : shortPort(asString(p, `${where}[${i}]`), `${where}[${i}]`),
  );
}
