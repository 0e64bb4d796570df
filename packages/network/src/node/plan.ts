import type { NetMap, NetMapNetwork, NetMapService } from '@swarmlet/api-types';
import type { ServiceEndpoint } from '../dns/records.js';

/** Overlay MTU: 1500 minus VXLAN's 50 bytes of encapsulation. */
export const OVERLAY_MTU = 1450;

/** The address part of `10.0.1.5/24`. */
export function ipOf(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

/**
 * Names of a network's pieces on a node. Network ids are random, so two clusters sharing an
 * engine (tests) never collide; link names stay within Linux's 15 characters.
 */
export function overlayNames(net: { id: string; name: string }): {
  docker: string;
  bridge: string;
  vxlan: string;
} {
  const short = net.id.replace(/[^a-zA-Z0-9]/g, '').slice(0, 10);
  return { docker: `swarmlet-${net.name}-${short}`, bridge: `swl${short}`, vxlan: `vxl${short}` };
}

/** The DNS entries of a map: per network, per service, its VIP or dnsrr answer. */
export function dnsEntries(
  map: NetMap,
): { network: string; name: string; endpoint: ServiceEndpoint }[] {
  const out: { network: string; name: string; endpoint: ServiceEndpoint }[] = [];
  for (const svc of map.services) {
    const nets = new Set([
      ...svc.vips.map((v) => v.networkId),
      ...svc.tasks.flatMap((t) => t.networks.map((n) => n.networkId)),
    ]);
    for (const network of nets) {
      const tasks = taskAddrs(svc, network);
      const vip = svc.vips.find((v) => v.networkId === network);
      const endpoint: ServiceEndpoint =
        svc.endpointMode === 'dnsrr' || !vip
          ? { mode: 'dnsrr', tasks }
          : { mode: 'vip', vips: [ipOf(vip.addr)], tasks };
      out.push({ network, name: svc.name, endpoint });
    }
  }
  return out;
}

/** Addresses of a service's serving tasks on one network, in the map's order. */
export function taskAddrs(svc: NetMapService, networkId: string): string[] {
  const out: string[] = [];
  for (const t of svc.tasks) {
    const a = t.networks.find((n) => n.networkId === networkId);
    if (a) out.push(ipOf(a.addr));
  }
  return out;
}

export interface VipTarget {
  vip: string;
  backends: string[];
}

/**
 * The VIPs a task's sandbox balances: every service in vip mode with a VIP on one of the
 * task's networks, to that service's serving tasks on the same network. Sorted by VIP, so the
 * rules text only changes when the balancing does.
 */
export function sandboxVips(map: NetMap, networkIds: readonly string[]): VipTarget[] {
  const out: VipTarget[] = [];
  for (const svc of map.services) {
    if (svc.endpointMode !== 'vip') continue;
    for (const v of svc.vips) {
      if (!networkIds.includes(v.networkId)) continue;
      out.push({ vip: ipOf(v.addr), backends: taskAddrs(svc, v.networkId) });
    }
  }
  return out.sort((a, b) => a.vip.localeCompare(b.vip));
}

export interface IngressTarget {
  protocol: 'tcp' | 'udp';
  port: number;
  serviceName: string;
  /** Served by the userspace listener only (the header needs a proxy), never by kernel NAT. */
  proxyProtocol: boolean;
  backends: { addr: string; port: number }[];
}

/**
 * Published ingress ports and their backends: each serving task at its address on the first of
 * its networks this node is attached to (every node is attached to every network), target port.
 */
export function ingressTargets(map: NetMap): IngressTarget[] {
  const attached = new Set(map.networks.map((n) => n.id));
  const out: IngressTarget[] = [];
  for (const svc of map.services) {
    for (const p of svc.ports) {
      if (p.mode !== 'ingress' || p.published === 0) continue;
      const backends: { addr: string; port: number }[] = [];
      for (const t of svc.tasks) {
        const a = t.networks.find((n) => attached.has(n.networkId));
        if (a) backends.push({ addr: ipOf(a.addr), port: p.target });
      }
      out.push({
        protocol: p.protocol,
        port: p.published,
        serviceName: svc.name,
        proxyProtocol: p.proxyProtocol === true,
        backends,
      });
    }
  }
  return out.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/** Host-mode ports of a service, for its task containers on this node. */
export function hostPorts(
  map: NetMap,
  serviceId: string,
): { target: number; published: number; protocol: 'tcp' | 'udp' }[] {
  const svc = map.services.find((s) => s.id === serviceId);
  return (svc?.ports ?? [])
    .filter((p) => p.mode === 'host')
    .map((p) => ({ target: p.target, published: p.published, protocol: p.protocol }));
}

/**
 * Static forwarding entries for the VXLAN devices: each remote task's MAC (Docker derives it
 * from the address) behind its node, so unicast to it is not flooded to every peer.
 */
export function remoteMacs(
  map: NetMap,
  net: NetMapNetwork,
  macForIp: (ip: string) => string,
): { mac: string; dst: string }[] {
  const out = new Map<string, string>();
  for (const svc of map.services) {
    for (const t of svc.tasks) {
      if (t.nodeAddr === '' || t.nodeAddr === map.addr) continue;
      const a = t.networks.find((n) => n.networkId === net.id);
      if (a) out.set(macForIp(ipOf(a.addr)), t.nodeAddr);
    }
  }
  return [...out].map(([mac, dst]) => ({ mac, dst })).sort((a, b) => a.mac.localeCompare(b.mac));
}

/**
 * Which networks a DNS client is on: a local task's address maps to all of its networks (the
 * query arrives from its address on the network of the server it asked); any other address in
 * a network's subnet to that network.
 */
export function subnetOf(map: NetMap, addr: string): string | undefined {
  for (const n of map.networks) if (inSubnet(addr, n.subnet)) return n.id;
  return undefined;
}

export function inSubnet(addr: string, cidr: string): boolean {
  const [base = '', prefixText = '32'] = cidr.split('/');
  const a = ipv4(addr);
  const b = ipv4(base);
  if (a === undefined || b === undefined) return false;
  const prefix = Number(prefixText);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255 || p === '') return undefined;
    n = n * 256 + v;
  }
  return n;
}
