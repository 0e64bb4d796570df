import {
  SwarmletError,
  invalid,
  type AllocatedPort,
  type Port,
  type Service,
} from '@swarmlet/api-types';

/** Published ports handed out when a service names none (Swarm's range). */
export const DYNAMIC_PORTS = { first: 30000, last: 32767 } as const;

const key = (published: number, protocol: string): string => `${published}/${protocol}`;

/**
 * Published ports of a service being written, checked and completed in its transaction:
 * ingress ports are cluster-wide, so one already published by another service is refused
 * (CONFLICT, at create time, not at task start); an ingress port without `published` keeps the
 * one it had, or gets the lowest free one of 30000-32767. Host-mode ports are per node (the
 * scheduler keeps two on one node apart), so they are only filled in.
 */
export function allocatePorts(svc: Service, others: readonly Service[]): AllocatedPort[] {
  const wanted = svc.spec.ports ?? [];
  const previous = svc.endpoint?.ports ?? [];
  const taken = new Map<string, string>();
  for (const o of others) {
    for (const p of o.endpoint?.ports ?? []) {
      if (p.mode === 'ingress') taken.set(key(p.published, p.protocol), o.spec.name);
    }
  }
  const out: AllocatedPort[] = [];
  const mine = new Set<string>();
  const claim = (p: AllocatedPort): void => {
    if (p.mode !== 'ingress') return;
    const k = key(p.published, p.protocol);
    const owner = taken.get(k);
    if (owner) {
      throw new SwarmletError('CONFLICT', `port ${k} is already published by service ${owner}`);
    }
    if (mine.has(k)) throw invalid(`port ${k} is published twice`);
    mine.add(k);
  };
  // Explicit ports first, so a dynamic one never takes a port named later in the list.
  for (const p of wanted.filter((x: Port) => x.published !== undefined)) {
    const a = normalize(p, p.published ?? 0);
    claim(a);
    out.push(a);
  }
  for (const p of wanted.filter((x: Port) => x.published === undefined)) {
    const mode = p.mode ?? 'ingress';
    const protocol = p.protocol ?? 'tcp';
    if (mode === 'host') {
      out.push(normalize(p, 0));
      continue;
    }
    const before = previous.find(
      (x) => x.target === p.target && x.protocol === protocol && x.mode === 'ingress',
    );
    let published =
      before &&
      !taken.has(key(before.published, protocol)) &&
      !mine.has(key(before.published, protocol))
        ? before.published
        : 0;
    for (let port = DYNAMIC_PORTS.first; published === 0 && port <= DYNAMIC_PORTS.last; port++) {
      const k = key(port, protocol);
      if (!taken.has(k) && !mine.has(k)) published = port;
    }
    if (published === 0) {
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        `no free port left in ${DYNAMIC_PORTS.first}-${DYNAMIC_PORTS.last}`,
      );
    }
    const a = normalize(p, published);
    claim(a);
    out.push(a);
  }
  // Keep the order the user gave.
  return wanted.map((p) => {
    const i = out.findIndex(
      (a) =>
        a.target === p.target &&
        a.protocol === (p.protocol ?? 'tcp') &&
        a.mode === (p.mode ?? 'ingress') &&
        (p.published === undefined || a.published === p.published),
    );
    return out.splice(i, 1)[0] as AllocatedPort;
  });
}

function normalize(p: Port, published: number): AllocatedPort {
  const a: AllocatedPort = {
    target: p.target,
    published,
    protocol: p.protocol ?? 'tcp',
    mode: p.mode ?? 'ingress',
  };
  if (p.proxyProtocol) a.proxyProtocol = true;
  return a;
}
