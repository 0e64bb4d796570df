import { readFile } from 'node:fs/promises';
import {
  silentLogger,
  type BridgeSpec,
  type Logger,
  type NetMap,
  type NetMapNetwork,
  type TaskEndpoints,
} from '@swarmlet/api-types';
import { DnsServer } from '../dns/server.js';
import { ServiceRecords, type DnsRecords } from '../dns/records.js';
import { parseResolvConf, formatUpstream } from '../dns/upstreams.js';
import { IngressProxy } from '../ingress/proxy.js';
import type { PublishedPort } from '../ingress/types.js';
import {
  INGRESS_FILTER_JUMPS,
  INGRESS_NAT_JUMPS,
  SANDBOX_VIP_JUMPS,
  SANDBOX_VIP_REJECT_JUMPS,
  applyChains,
  refillChains,
  ensureVxlan,
  inNetns,
  ingressFilterRules,
  ingressNatRules,
  macForIp,
  removeChains,
  removeLink,
  sandboxVipRejectRules,
  sandboxVipRules,
  setVxlanMacs,
  setVxlanPeers,
  type Shell,
} from '../dataplane/index.js';
import {
  OVERLAY_MTU,
  dnsEntries,
  hostPorts,
  ingressTargets,
  ipOf,
  overlayNames,
  remoteMacs,
  sandboxVips,
  subnetOf,
  type IngressTarget,
} from './plan.js';

/** The engine side of the data plane (implemented over dockerode in executor-docker). */
export interface BridgeNetworks {
  /** Creates the network if missing, recreates it if its subnet or gateway differ. */
  ensure(spec: BridgeSpec): Promise<void>;
  /** Removes a network; fails while containers use it (retried on the next change). */
  remove(name: string): Promise<void>;
}

export interface NodeDataPlaneOptions {
  bridges: BridgeNetworks;
  shell: Shell;
  log?: Logger;
  /** DNS port on each of the node's overlay addresses. Default 53. */
  dnsPort?: number;
  /** Where upstream resolvers are read from. Default /etc/resolv.conf. */
  resolvConf?: string;
  /** Address the userspace ingress listeners bind. Default 0.0.0.0. */
  ingressHost?: string;
  /** Kernel (iptables DNAT) balancing of ingress traffic arriving from other hosts. Default on. */
  kernelIngress?: boolean;
  /** Delay before a serving task is stopped (see `drainMs`). Default 1000 ms. */
  drainMs?: number;
}

interface Sandbox {
  pid: number;
  networkIds: string[];
  addrs: string[];
  rules: string;
  /** The jumps to our chains exist in the namespace: later changes only refill the chains. */
  jumped?: boolean;
}

interface VxlanLink {
  ifname: string;
  linkinfo?: { info_data?: { id?: number } };
}

interface LiveNetwork {
  net: NetMapNetwork;
  dns: DnsServer | undefined;
  peers: string;
  macs: string;
}

/**
 * One node's data plane, driven by the network map the leader sends:
 * - per overlay network, a docker bridge network whose gateway is the node's own overlay
 *   address, and a VXLAN device on the bridge with one flood entry per peer node and a static
 *   entry per remote task;
 * - a DNS server on the node's address on each network (containers' resolver);
 * - VIP balancing inside each task's own network namespace (iptables DNAT, round robin), so
 *   connections go straight to a task and keep the client's address;
 * - published ingress ports: kernel DNAT for traffic from other hosts plus a userspace proxy
 *   listener on every node (for the node's own connections and PROXY protocol ports).
 * Changes are applied one pass at a time, always with the newest map.
 */
export class NodeDataPlane {
  private map: NetMap | undefined;
  private readonly live = new Map<string, LiveNetwork>();
  private readonly sandboxes = new Map<string, Sandbox>();
  private records: ServiceRecords;
  private readonly dnsRecords: DnsRecords;
  private readonly proxy: IngressProxy;
  private readonly listening = new Map<string, { port: PublishedPort; proxyProtocol: boolean }>();
  private natRules = '';
  private filterApplied = false;
  private running: Promise<void> | undefined;
  private again = false;
  private waiters: (() => void)[] = [];
  /** Tasks traffic was sent to as of the last pass that finished its ingress and VIP rules. */
  private serving = new Set<string>();
  private servingWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly opts: NodeDataPlaneOptions) {
    this.log = opts.log ?? silentLogger;
    this.records = this.newRecords();
    this.dnsRecords = { lookup: (c, n, t) => this.records.lookup(c, n, t) };
    this.proxy = new IngressProxy({ logger: this.log });
  }

  /** Takes a new map; applied in the background (coalesced with any pass in progress). */
  apply(map: NetMap): void {
    this.map = map;
    this.schedule();
  }

  /**
   * The container settings for a task, once its networks are set up on this node. Waits for
   * the map to name them (it is sent before the assignments, so normally it already has).
   */
  async endpoints(
    task: { serviceId: string; networks?: { networkId: string; addr: string }[] },
    signal?: AbortSignal,
  ): Promise<TaskEndpoints | undefined> {
    const attachments = task.networks ?? [];
    if (attachments.length === 0) return undefined;
    for (;;) {
      signal?.throwIfAborted();
      if (this.stopped) throw new Error('data plane stopped');
      const ready = attachments.map((a) => this.live.get(a.networkId));
      if (ready.every((l) => l !== undefined)) {
        const nets = ready as LiveNetwork[];
        return {
          networks: nets.map((l, i) => ({
            name: overlayNames(l.net).docker,
            ip: ipOf(attachments[i]!.addr),
          })),
          dns: [ipOf(nets[0]!.net.nodeAddr)],
          hostPorts: this.map ? hostPorts(this.map, task.serviceId) : [],
        };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** A task's container runs as `pid`: balance its VIP traffic inside its namespace. */
  async attach(
    taskId: string,
    pid: number,
    networks: { networkId: string; addr: string }[],
  ): Promise<void> {
    const existing = this.sandboxes.get(taskId);
    if (existing?.pid === pid) return this.syncSandbox(existing);
    const sandbox: Sandbox = {
      pid,
      networkIds: networks.map((n) => n.networkId),
      addrs: networks.map((n) => ipOf(n.addr)),
      rules: '',
    };
    this.sandboxes.set(taskId, sandbox);
    this.rebuildRecords();
    await this.syncSandbox(sandbox);
  }

  /** The task's container is gone. */
  detach(taskId: string): void {
    if (this.sandboxes.delete(taskId)) this.rebuildRecords();
  }

  /** How long to wait before stopping a task that may be serving traffic. */
  drainMs(task: { id: string; serviceId: string }): number {
    const svc = this.map?.services.find((s) => s.id === task.serviceId);
    const serves = svc && (svc.ports.length > 0 || svc.tasks.length > 0);
    return serves && this.sandboxes.has(task.id) ? (this.opts.drainMs ?? 1000) : 0;
  }

  /**
   * Resolves once this node's ingress and VIP rules no longer send traffic to `taskId` (the map
   * that dropped it is applied, not just received: under load iptables takes a while), or after
   * `timeoutMs`. The drain delay starts only then.
   */
  async whenUnserved(taskId: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.serving.has(taskId) && !this.stopped && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.servingWaiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** Closes DNS servers and listeners and removes the node's ingress rules; links stay. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
    for (const l of this.live.values()) await l.dns?.stop();
    await this.proxy.stop();
    const sh = this.opts.shell;
    await removeChains(sh, 'nat', INGRESS_NAT_JUMPS).catch(() => undefined);
    await removeChains(sh, 'filter', INGRESS_FILTER_JUMPS).catch(() => undefined);
    for (const w of this.waiters.splice(0)) w();
    for (const w of this.servingWaiters.splice(0)) w();
  }

  /** `stop`, then removes every overlay network of this node (leaving the cluster). */
  async teardown(): Promise<void> {
    const nets = [...this.live.values()].map((l) => l.net);
    await this.stop();
    for (const net of nets) await this.removeNetwork(net);
  }

  private schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcile();
        } catch (err) {
          this.log.warn({ err }, 'data plane update failed; retrying');
          await new Promise((r) => setTimeout(r, 500));
          this.again = true;
        }
      } while (this.again && !this.stopped);
      this.running = undefined;
    })();
  }

  private async reconcile(): Promise<void> {
    const map = this.map;
    if (!map || this.stopped) return;
    const wanted = new Map(map.networks.map((n) => [n.id, n]));
    for (const [id, l] of this.live) {
      if (wanted.has(id)) continue;
      this.live.delete(id);
      await l.dns?.stop();
      await this.removeNetwork(l.net).catch((err: unknown) =>
        this.log.warn({ err, network: l.net.name }, 'removing overlay network failed'),
      );
    }
    // Cheapest and most urgent first: who may receive traffic. A task leaving the map must stop
    // getting connections well within the drain delay, so the in-process DNS names and ingress
    // backends change before any command runs.
    const targets = ingressTargets(map);
    this.rebuildRecords();
    await this.syncUserIngress(targets);
    await this.syncKernelIngress(targets);
    await Promise.all([...this.sandboxes.values()].map((s) => this.syncSandbox(s)));
    this.serving = new Set(map.services.flatMap((s) => s.tasks.map((t) => t.id)));
    for (const w of this.servingWaiters.splice(0)) w();
    for (const net of map.networks) await this.syncNetwork(map, net);
    for (const w of this.waiters.splice(0)) w();
  }

  private async syncNetwork(map: NetMap, net: NetMapNetwork): Promise<void> {
    const sh = this.opts.shell;
    const names = overlayNames(net);
    let l = this.live.get(net.id);
    if (
      l &&
      (l.net.subnet !== net.subnet || l.net.nodeAddr !== net.nodeAddr || l.net.vni !== net.vni)
    ) {
      await l.dns?.stop();
      this.live.delete(net.id);
      l = undefined;
    }
    if (!l) {
      await this.opts.bridges.ensure({
        name: names.docker,
        bridge: names.bridge,
        subnet: net.subnet,
        gateway: ipOf(net.nodeAddr),
        mtu: OVERLAY_MTU,
      });
      if (map.addr !== '') {
        const spec = {
          device: names.vxlan,
          vni: net.vni,
          bridge: names.bridge,
          localAddr: map.addr,
          mtu: OVERLAY_MTU,
        };
        await ensureVxlan(sh, spec).catch(async (err: unknown) => {
          // A device of an earlier cluster (or a crashed node) holds the VNI: replace it.
          if (!(await this.removeStaleVxlan(net.vni, names.vxlan))) throw err;
          await ensureVxlan(sh, spec);
        });
        // The bridge must not learn MACs behind the tunnel: an address (and so its MAC, which
        // Docker derives from it) moves from a task on another node to one on this node, and a
        // learned entry would keep sending its frames into the tunnel for minutes. Frames to
        // remote tasks are flooded to the tunnel instead, whose own table (static entries per
        // remote task, below) sends each to the right node.
        await sh.run('bridge', ['link', 'set', 'dev', names.vxlan, 'learning', 'off']);
      }
      l = { net, dns: await this.startDns(net), peers: '', macs: '' };
      this.live.set(net.id, l);
    }
    l.net = net;
    if (map.addr === '') return;
    const peers = JSON.stringify(net.peers);
    if (peers !== l.peers) {
      await setVxlanPeers(sh, names.vxlan, net.peers);
      l.peers = peers;
    }
    const entries = remoteMacs(map, net, macForIp);
    const macs = JSON.stringify(entries);
    if (macs !== l.macs) {
      await setVxlanMacs(sh, names.vxlan, entries);
      l.macs = macs;
    }
  }

  /** Deletes VXLAN devices other than `keep` that use `vni`; true if one was deleted. */
  private async removeStaleVxlan(vni: number, keep: string): Promise<boolean> {
    const out = await this.opts.shell.run('ip', ['-d', '-j', 'link', 'show', 'type', 'vxlan']);
    let removed = false;
    for (const link of JSON.parse(out || '[]') as VxlanLink[]) {
      if (link.ifname === keep || link.linkinfo?.info_data?.id !== vni) continue;
      this.log.warn({ device: link.ifname, vni }, 'removing a stale VXLAN device holding the VNI');
      await removeLink(this.opts.shell, link.ifname);
      removed = true;
    }
    return removed;
  }

  private async startDns(net: NetMapNetwork): Promise<DnsServer | undefined> {
    const host = ipOf(net.nodeAddr);
    const port = this.opts.dnsPort ?? 53;
    const text = await readFile(this.opts.resolvConf ?? '/etc/resolv.conf', 'utf8').catch(() => '');
    // Docker's embedded resolver (127.0.0.11) is a fine upstream here: the server runs in the
    // node's own namespace, where it answers (compose test nodes use it).
    const upstreams = parseResolvConf(text, { host, port }, { keepEmbedded: true });
    const dns = new DnsServer({
      records: this.dnsRecords,
      host,
      port,
      upstreams: upstreams.map(formatUpstream),
      log: this.log,
    });
    try {
      await dns.start();
      return dns;
    } catch (err) {
      this.log.warn({ err, host, port }, 'DNS server could not start on the overlay address');
      return undefined;
    }
  }

  private async removeNetwork(net: NetMapNetwork): Promise<void> {
    const names = overlayNames(net);
    await removeLink(this.opts.shell, names.vxlan);
    await this.opts.bridges.remove(names.docker);
  }

  private newRecords(): ServiceRecords {
    const owners = new Map<string, string[]>();
    for (const s of this.sandboxes?.values() ?? [])
      for (const a of s.addrs) owners.set(a, s.networkIds);
    return new ServiceRecords({
      scope: (client) => {
        const own = owners.get(client);
        if (own) return own;
        const net = this.map && subnetOf(this.map, client);
        return net ? [net] : [];
      },
    });
  }

  private rebuildRecords(): void {
    const records = this.newRecords();
    if (this.map) for (const e of dnsEntries(this.map)) records.set(e.network, e.name, e.endpoint);
    this.records = records;
  }

  private async syncSandbox(s: Sandbox): Promise<void> {
    if (!this.map) return;
    const vips = sandboxVips(this.map, s.networkIds);
    const nat = sandboxVipRules(vips);
    const filter = sandboxVipRejectRules(vips);
    const rules = nat + filter;
    if (rules === s.rules) return;
    const sh = inNetns(this.opts.shell, s.pid);
    try {
      // One process per change once the jumps exist: a rolling update changes the map several
      // times per batch, and every task namespace on the node is rewritten each time.
      if (s.jumped) await refillChains(sh, rules);
      else {
        await applyChains(sh, 'nat', SANDBOX_VIP_JUMPS, nat);
        await applyChains(sh, 'filter', SANDBOX_VIP_REJECT_JUMPS, filter);
        s.jumped = true;
      }
      s.rules = rules;
    } catch (err) {
      // The container may have exited meanwhile; the next map retries live ones.
      this.log.debug({ err, pid: s.pid }, 'VIP rules not applied');
    }
  }

  private async syncUserIngress(targets: IngressTarget[]): Promise<void> {
    const host = this.opts.ingressHost ?? '0.0.0.0';
    const keep = new Set<string>();
    for (const t of targets) {
      if (t.protocol !== 'tcp') continue;
      const key = `${t.port}`;
      keep.add(key);
      let l = this.listening.get(key);
      if (l && l.proxyProtocol !== t.proxyProtocol) {
        this.listening.delete(key);
        await this.proxy.close(l.port);
        l = undefined;
      }
      if (!l) {
        try {
          const port = await this.proxy.listen(
            { host, port: t.port, protocol: 'tcp' },
            { proxyProtocol: t.proxyProtocol },
          );
          l = { port, proxyProtocol: t.proxyProtocol };
          this.listening.set(key, l);
        } catch (err) {
          this.log.warn({ err, port: t.port, service: t.serviceName }, 'ingress port not bound');
          continue;
        }
      }
      this.proxy.setBackends(l.port, t.backends);
    }
    for (const [key, l] of this.listening) {
      if (keep.has(key)) continue;
      this.listening.delete(key);
      await this.proxy.close(l.port);
    }
  }

  private async syncKernelIngress(targets: IngressTarget[]): Promise<void> {
    if (this.opts.kernelIngress === false) return;
    const sh = this.opts.shell;
    const nat = ingressNatRules(targets.filter((t) => !t.proxyProtocol));
    if (nat !== this.natRules) {
      await applyChains(sh, 'nat', INGRESS_NAT_JUMPS, nat);
      this.natRules = nat;
    }
    if (!this.filterApplied) {
      await applyChains(sh, 'filter', INGRESS_FILTER_JUMPS, ingressFilterRules());
      this.filterApplied = true;
    }
  }
}
