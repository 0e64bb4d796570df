import {
  isTerminalState,
  taskStateRank,
  type Network,
  type Node,
  type Service,
  type Task,
  type Vip,
} from '@swarmlet/api-types';
import {
  allocateAddress,
  allocateSubnet,
  formatCidr,
  formatIp,
  gatewayOf,
  overlaps,
  parseCidr,
  parseIp,
  type Cidr,
} from './ipam.js';

/** Where subnets come from: Swarm's default is 10.0.0.0/8 cut into /24s. */
export interface PoolConfig {
  pools: Cidr[];
  subnetPrefix: number;
}

export const DEFAULT_POOLS: PoolConfig = { pools: [parseCidr('10.0.0.0/8')], subnetPrefix: 24 };

/** First VXLAN id handed out (Swarm starts at 4096 too, clear of common VLAN ids). */
export const FIRST_VNI = 4096;

export interface AllocState {
  networks: readonly Network[];
  services: readonly Service[];
  tasks: readonly Task[];
  /** Nodes get an address on every network (their bridge's gateway, the ingress source). */
  nodes?: readonly Node[];
}

export interface AllocChanges {
  networks: Network[];
  services: Service[];
  /** Nodes whose network addresses changed (`networks` set in full). */
  nodes: Node[];
  /** Tasks allocated: their addresses set and moved NEW -> PENDING. */
  tasks: Task[];
  /** Tasks that must wait (pools or subnets exhausted), with the reason for `service ps`. */
  waiting: { task: Task; message: string }[];
}

/**
 * Tasks the allocator must look at: still wanted, and new, or pending without addresses (waiting
 * for a free address in a full network).
 */
export function needsAllocation(t: Task): boolean {
  if (taskStateRank(t.desiredState) > taskStateRank('running')) return false;
  if (t.status.state === 'new') return true;
  return t.status.state === 'pending' && t.networks === undefined && t.nodeId === '';
}

/** Whether a task's addresses are still taken (released once the task has ended). */
function holdsAddresses(t: Task): boolean {
  return !isTerminalState(t.status.state);
}

function cidrOf(n: Network): Cidr | undefined {
  return n.ipam ? parseCidr(n.ipam.subnet) : undefined;
}

/**
 * One allocation pass, pure and deterministic (so every leader computes the same from the
 * same store): subnets and VXLAN ids for new networks, a VIP per network for each service, an
 * address per network for each new task. What is in use is read from the state itself (VIPs
 * of existing services, addresses of tasks that have not ended), so nothing is kept between
 * passes and a new leader needs no recovery step. Addresses of ended tasks and removed
 * services are free again.
 */
export function planAllocation(state: AllocState, cfg: PoolConfig = DEFAULT_POOLS): AllocChanges {
  const out: AllocChanges = { networks: [], services: [], nodes: [], tasks: [], waiting: [] };
  const nets = new Map(state.networks.map((n) => [n.id, n]));

  // Networks: subnet and VNI.
  const usedSubnets = state.networks.flatMap((n) => cidrOf(n) ?? []);
  const usedVnis = new Set(state.networks.flatMap((n) => n.vni ?? []));
  const pending = state.networks
    .filter((n) => !n.ipam)
    .sort((a, b) => a.meta.createdAt.localeCompare(b.meta.createdAt) || a.id.localeCompare(b.id));
  let vni = FIRST_VNI;
  for (const n of pending) {
    let subnet: Cidr | undefined;
    if (n.spec.subnet) {
      const want = parseCidr(n.spec.subnet);
      subnet = usedSubnets.some((u) => overlaps(u, want)) ? undefined : want;
    } else subnet = allocateSubnet(cfg.pools, cfg.subnetPrefix, usedSubnets);
    if (!subnet) continue; // tasks on it wait with a message (below)
    usedSubnets.push(subnet);
    while (usedVnis.has(vni)) vni++;
    usedVnis.add(vni);
    const updated: Network = {
      ...n,
      ipam: { subnet: formatCidr(subnet), gateway: formatIp(gatewayOf(subnet)) },
      vni,
    };
    nets.set(n.id, updated);
    out.networks.push(updated);
  }

  // Addresses in use, per network.
  const used = new Map<string, Set<number>>();
  const take = (networkId: string, addr: string): void => {
    const ip = parseIp(addr.split('/')[0] ?? '');
    if (ip === undefined) return;
    let set = used.get(networkId);
    if (!set) used.set(networkId, (set = new Set()));
    set.add(ip);
  };
  for (const s of state.services) for (const v of s.endpoint?.vips ?? []) take(v.networkId, v.addr);
  for (const n of state.nodes ?? []) for (const a of n.networks ?? []) take(a.networkId, a.addr);
  for (const t of state.tasks) {
    if (!holdsAddresses(t)) continue;
    for (const a of t.networks ?? []) take(a.networkId, a.addr);
  }
  const next = (networkId: string): string | undefined => {
    const n = nets.get(networkId);
    const subnet = n && cidrOf(n);
    if (!subnet) return undefined;
    const set = used.get(networkId) ?? new Set<number>();
    used.set(networkId, set);
    const ip = allocateAddress(subnet, set);
    if (ip === undefined) return undefined;
    set.add(ip);
    return `${formatIp(ip)}/${subnet.prefix}`;
  };

  // Services: one VIP per network they are on; VIPs of networks they left are dropped.
  const services = new Map<string, Service>();
  for (const s of state.services) {
    const wanted = s.spec.networks ?? [];
    const have = s.endpoint?.vips ?? [];
    const keep = have.filter((v) => wanted.includes(v.networkId));
    const vips: Vip[] = [...keep];
    for (const id of wanted) {
      if (vips.some((v) => v.networkId === id)) continue;
      const addr = next(id);
      if (addr) vips.push({ networkId: id, addr });
    }
    const changed =
      vips.length !== have.length || vips.some((v, i) => have[i]?.networkId !== v.networkId);
    const current = changed ? { ...s, endpoint: { vips } } : s;
    if (changed) out.services.push(current);
    services.set(s.id, current);
  }

  // Nodes: an address on every allocated network; addresses on removed networks are dropped.
  const nodes = [...(state.nodes ?? [])].sort(
    (a, b) => a.meta.createdAt.localeCompare(b.meta.createdAt) || a.id.localeCompare(b.id),
  );
  for (const node of nodes) {
    const have = node.networks ?? [];
    const attached = have.filter((a) => nets.get(a.networkId)?.ipam !== undefined);
    let changed = attached.length !== have.length;
    for (const n of nets.values()) {
      if (!n.ipam || attached.some((a) => a.networkId === n.id)) continue;
      const addr = next(n.id);
      if (!addr) continue; // full: the node joins once an address frees
      attached.push({ networkId: n.id, addr });
      changed = true;
    }
    if (changed) out.nodes.push({ ...node, networks: attached });
  }

  // New tasks: an address on each network of their service.
  const newTasks = state.tasks
    .filter(needsAllocation)
    .sort((a, b) => a.meta.createdAt.localeCompare(b.meta.createdAt) || a.id.localeCompare(b.id));
  for (const t of newTasks) {
    const wanted = services.get(t.serviceId)?.spec.networks ?? [];
    const attachments: { networkId: string; addr: string }[] = [];
    let blocked: string | undefined;
    for (const id of wanted) {
      const n = nets.get(id);
      const name = n?.spec.name ?? id;
      if (!n?.ipam) {
        blocked = n
          ? `network ${name}: no free subnet in the address pools (${cfg.pools.map(formatCidr).join(', ')})`
          : `network ${id} does not exist`;
        break;
      }
      const addr = next(id);
      if (!addr) {
        blocked = `no free address in network ${name} (${n.ipam.subnet})`;
        break;
      }
      attachments.push({ networkId: id, addr });
    }
    if (blocked) {
      // Give back what this task took on earlier networks of its list.
      for (const a of attachments) {
        used.get(a.networkId)?.delete(parseIp(a.addr.split('/')[0] ?? '') ?? -1);
      }
      out.waiting.push({ task: t, message: blocked });
      continue;
    }
    out.tasks.push({ ...t, networks: attachments });
  }
  return out;
}
