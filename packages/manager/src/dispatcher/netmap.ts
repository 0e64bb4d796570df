import type {
  NetMap,
  NetMapNetwork,
  NetMapService,
  Network,
  Node,
  Service,
  Task,
} from '@swarmlet/api-types';

export interface NetMapState {
  networks: readonly Network[];
  services: readonly Service[];
  tasks: readonly Task[];
  nodes: readonly Node[];
}

/** Whether traffic may be sent to a task: it runs and is still wanted running. */
export function servesTraffic(t: Task): boolean {
  return t.status.state === 'running' && t.desiredState === 'running' && t.nodeId !== '';
}

/** Nodes that take part in the data plane: all but those known to be down. */
function attached(n: Node): boolean {
  return n.status.state !== 'down' && n.status.state !== 'disconnected';
}

/**
 * The data-plane view for one node (pure): every allocated network with the node's own
 * address on it and its peers (other live nodes with an address on it), and every service
 * with its VIPs, published ports and the tasks traffic may go to. A task leaves the map as
 * soon as its desired state is past running, before its node is told to stop it.
 */
export function computeNetMap(state: NetMapState, nodeId: string): NetMap {
  const self = state.nodes.find((n) => n.id === nodeId);
  const nodeAddr = new Map(state.nodes.map((n) => [n.id, n.status.addr]));
  const networks: NetMapNetwork[] = [];
  for (const net of state.networks) {
    const own = self?.networks?.find((a) => a.networkId === net.id);
    if (!net.ipam || net.vni === undefined || !own) continue;
    const peers = state.nodes
      .filter((n) => n.id !== nodeId && attached(n) && n.status.addr !== '')
      .filter((n) => n.networks?.some((a) => a.networkId === net.id))
      .map((n) => n.status.addr);
    networks.push({
      id: net.id,
      name: net.spec.name,
      subnet: net.ipam.subnet,
      vni: net.vni,
      nodeAddr: own.addr,
      peers: [...new Set(peers)].sort(),
    });
  }
  const bySvc = new Map<string, Task[]>();
  for (const t of state.tasks) {
    if (!servesTraffic(t) || !t.networks?.length) continue;
    let list = bySvc.get(t.serviceId);
    if (!list) bySvc.set(t.serviceId, (list = []));
    list.push(t);
  }
  const services: NetMapService[] = state.services.map((s) => ({
    id: s.id,
    name: s.spec.name,
    endpointMode: s.spec.endpointMode ?? 'vip',
    vips: s.endpoint?.vips ?? [],
    ports: s.endpoint?.ports ?? [],
    tasks: (bySvc.get(s.id) ?? [])
      .sort((a, b) => a.slot - b.slot || a.id.localeCompare(b.id))
      .map((t) => ({
        id: t.id,
        nodeId: t.nodeId,
        nodeAddr: nodeAddr.get(t.nodeId) ?? '',
        networks: t.networks ?? [],
      })),
  }));
  services.sort((a, b) => a.name.localeCompare(b.name));
  return { addr: self?.status.addr ?? '', networks, services };
}
