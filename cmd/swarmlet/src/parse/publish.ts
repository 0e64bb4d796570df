import type { Port } from '@swarmlet/api-types';
import { invalidFlag } from '../errors.js';

function port(value: string, raw: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw invalidFlag('--publish', raw, `${what} must be a port number (1-65535)`);
  }
  return n;
}

/**
 * `--publish`, as docker: `[PUBLISHED:]TARGET[/tcp|/udp]`, or the long form
 * `published=8080,target=80,protocol=udp,mode=host` (`src`/`dst` too), plus `proxy-protocol=v2`
 * (ingress, tcp: a PROXY v2 header tells the task the client's address). Without a published
 * port the cluster picks one from 30000-32767.
 */
export function parsePublish(raw: string): Port {
  const p: Port = { target: 0 };
  if (raw.includes('=')) {
    for (const part of raw.split(',')) {
      const [k = '', v = ''] = part.split('=', 2).map((x) => x.trim());
      if (k === 'published' || k === 'src') p.published = port(v, raw, 'published');
      else if (k === 'target' || k === 'dst') p.target = port(v, raw, 'target');
      else if (k === 'protocol') {
        if (v !== 'tcp' && v !== 'udp')
          throw invalidFlag('--publish', raw, 'protocol must be tcp or udp');
        p.protocol = v;
      } else if (k === 'mode') {
        if (v !== 'ingress' && v !== 'host')
          throw invalidFlag('--publish', raw, 'mode must be ingress or host');
        p.mode = v;
      } else if (k === 'proxy-protocol') {
        if (v !== 'v2') throw invalidFlag('--publish', raw, 'proxy-protocol must be v2');
        p.proxyProtocol = true;
      } else throw invalidFlag('--publish', raw, `unknown field "${k}"`);
    }
    if (p.target === 0) throw invalidFlag('--publish', raw, 'target= is required');
    if (p.proxyProtocol && (p.mode === 'host' || p.protocol === 'udp'))
      throw invalidFlag('--publish', raw, 'proxy-protocol needs mode=ingress and protocol=tcp');
    return p;
  }
  const m = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(raw.trim());
  if (!m) {
    throw invalidFlag('--publish', raw, 'expected [PUBLISHED:]TARGET[/tcp|/udp] or the long form');
  }
  p.target = port(m[2] ?? '', raw, 'target');
  if (m[1] !== undefined) p.published = port(m[1], raw, 'published');
  if (m[3] === 'udp' || m[3] === 'tcp') p.protocol = m[3];
  return p;
}
