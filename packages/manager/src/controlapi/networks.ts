import {
  SwarmletError,
  invalid,
  type Network,
  type NetworkCreateRequest,
  type Service,
} from '@swarmlet/api-types';
import type { ReadTx, WriteTx } from '@swarmlet/store';
import { poolConfig } from '../allocator/allocator.js';
import { overlaps, parseCidr } from '../allocator/ipam.js';
import { planAllocation } from '../allocator/plan.js';
import { allocatePorts } from '../allocator/ports.js';
import { resolveNetwork } from './resolve.js';

/** The network services join when they name none (Swarm has no such default; compose does). */
export const DEFAULT_NETWORK = 'default';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/**
 * Creates a network and allocates its subnet and VXLAN id in the same transaction, so a full
 * pool or an overlapping `--subnet` is refused at create time instead of leaving it pending.
 */
export function createNetworkTx(tx: WriteTx, req: NetworkCreateRequest): Network {
  if (!NAME_RE.test(req.name)) {
    throw invalid(
      `invalid network name "${req.name}": use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit`,
    );
  }
  if (tx.find('network', (n) => n.spec.name === req.name).length > 0) {
    throw new SwarmletError('ALREADY_EXISTS', `network ${req.name} already exists`);
  }
  const subnet = req.subnet ?? '';
  if (subnet) {
    const want = parseCidr(subnet, '--subnet');
    if (want.prefix > 29) throw invalid(`--subnet ${subnet} is too small: use /29 or larger`);
    const clash = tx.find('network', (n) => !!n.ipam && overlaps(parseCidr(n.ipam.subnet), want));
    if (clash[0]) {
      throw new SwarmletError(
        'CONFLICT',
        `--subnet ${subnet} overlaps network ${clash[0].spec.name} (${clash[0].ipam?.subnet})`,
      );
    }
  }
  const created = tx.create('network', {
    spec: {
      name: req.name,
      driver: req.driver ?? 'overlay',
      labels: { ...(req.labels ?? {}) },
      attachable: req.attachable ?? false,
      subnet,
    },
  });
  const plan = planAllocation(
    { networks: tx.find('network'), services: [], tasks: [] },
    poolConfig(tx.find('cluster')[0]),
  );
  const done = plan.networks.find((n) => n.id === created.id);
  if (!done) {
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `no free subnet left in the address pools for network ${req.name}`,
    );
  }
  return tx.update('network', { ...created, ipam: done.ipam, vni: done.vni });
}

/** Refuses to remove a network a service uses or a live task is attached to. */
export function removeNetworkTx(tx: WriteTx, ref: string): void {
  const n = resolveNetwork(tx, ref);
  const users = tx.find('service', (s) => (s.spec.networks ?? []).includes(n.id));
  if (users.length > 0) {
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `network ${n.spec.name} is in use by service ${users.map((s) => s.spec.name).join(', ')}`,
    );
  }
  tx.delete('network', n.id);
}

/**
 * Network references of a service spec (names, ids, prefixes) to ids; none means the default
 * network, created on first use.
 */
export function resolveServiceNetworks(tx: WriteTx, refs: readonly string[] | undefined): string[] {
  if (!refs || refs.length === 0) {
    const existing = tx.find('network', (n) => n.spec.name === DEFAULT_NETWORK)[0];
    return [(existing ?? createNetworkTx(tx, { name: DEFAULT_NETWORK })).id];
  }
  const ids = refs.map((r) =>
    r === DEFAULT_NETWORK && tx.find('network', (n) => n.spec.name === r).length === 0
      ? createNetworkTx(tx, { name: DEFAULT_NETWORK }).id
      : resolveNetwork(tx, r).id,
  );
  return [...new Set(ids)];
}

/**
 * Gives a service being written a VIP on each of its networks (and drops VIPs of networks it
 * left) and its published ports, in the same transaction; a full network or a port another
 * service publishes refuses the write.
 */
export function withVips(tx: ReadTx, svc: Service): Service {
  const plan = planAllocation(
    {
      networks: tx.find('network'),
      services: [...tx.find('service', (s) => s.id !== svc.id), svc],
      tasks: tx.find('task'),
      nodes: tx.find('node'),
    },
    poolConfig(tx.find('cluster')[0]),
  );
  const vips = plan.services.find((s) => s.id === svc.id)?.endpoint?.vips ?? svc.endpoint?.vips;
  const missing = (svc.spec.networks ?? []).filter(
    (id) => !(vips ?? []).some((v) => v.networkId === id),
  );
  if (missing.length > 0) {
    const names = missing.map((id) => tx.get('network', id)?.spec.name ?? id);
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `no free address for the service's VIP in network ${names.join(', ')}`,
    );
  }
  const ports = allocatePorts(
    svc,
    tx.find('service', (s) => s.id !== svc.id),
  );
  return { ...svc, endpoint: { vips: vips ?? [], ...(ports.length > 0 ? { ports } : {}) } };
}
