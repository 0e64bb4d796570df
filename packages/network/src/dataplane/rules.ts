import { DataPlaneError } from './shell.js';
import { checkInt, checkIPv4 } from './validate.js';

/**
 * Pure generators of `iptables-restore` input, one table each, for `applyChains`. Each output
 * declares its chains (`:CHAIN - [0:0]`), which with `--noflush` creates or empties just those
 * chains, then appends the rules, then `COMMIT`: the chain's old contents are replaced in one
 * transaction. IPv4 only. Output is a function of the input alone (input order is kept: it is
 * the round-robin order).
 */

/** A chain jumped to from a built-in (or Docker's) chain, with optional extra match arguments. */
export interface ChainJump {
  parent: string;
  chain: string;
  match?: readonly string[];
}

/** The nat chain of a task's namespace that DNATs VIPs to backends. */
export const VIP_CHAIN = 'SWARMLET-VIP';
/** The filter chain of a task's namespace that rejects VIPs without backends. */
export const VIP_REJECT_CHAIN = 'SWARMLET-VIP-REJECT';
/** The nat chain of the node's namespace that DNATs published ports. */
export const INGRESS_CHAIN = 'SWARMLET-INGRESS';
/** The nat chain of the node's namespace that masquerades ingress connections. */
export const INGRESS_POSTROUTING_CHAIN = 'SWARMLET-POSTROUTING';
/** The filter chain of the node's namespace that lets ingress connections through FORWARD. */
export const INGRESS_FORWARD_CHAIN = 'SWARMLET-FORWARD';

/**
 * The connection mark (conntrack mark, `CONNMARK`) of ingress connections, and its mask: only
 * these bits of the conntrack mark are set or tested.
 */
export const INGRESS_MARK = 0x5311;
export const INGRESS_MARK_MASK = 0xffff;
const MARK = `0x${INGRESS_MARK.toString(16)}/0x${INGRESS_MARK_MASK.toString(16)}`;

const LOCAL_DST = ['-m', 'addrtype', '--dst-type', 'LOCAL'] as const;

/** Jumps for `sandboxVipRules` (nat): connections the task itself opens. */
export const SANDBOX_VIP_JUMPS: readonly ChainJump[] = [{ parent: 'OUTPUT', chain: VIP_CHAIN }];
/** Jumps for `sandboxVipRejectRules` (filter). */
export const SANDBOX_VIP_REJECT_JUMPS: readonly ChainJump[] = [
  { parent: 'OUTPUT', chain: VIP_REJECT_CHAIN },
];
/**
 * Jumps for `ingressNatRules` (nat): packets arriving for any local address, connections the
 * node itself opens to a local address other than loopback (127/8 cannot be DNATed to a remote
 * address; it reaches a local listener instead), and the masquerade in POSTROUTING.
 */
export const INGRESS_NAT_JUMPS: readonly ChainJump[] = [
  { parent: 'PREROUTING', chain: INGRESS_CHAIN, match: LOCAL_DST },
  { parent: 'OUTPUT', chain: INGRESS_CHAIN, match: ['!', '-d', '127.0.0.0/8', ...LOCAL_DST] },
  { parent: 'POSTROUTING', chain: INGRESS_POSTROUTING_CHAIN },
];
/** Jumps for `ingressFilterRules` (filter): Docker's hook for user rules in FORWARD. */
export const INGRESS_FILTER_JUMPS: readonly ChainJump[] = [
  { parent: 'DOCKER-USER', chain: INGRESS_FORWARD_CHAIN },
];

/** A service VIP and the task addresses behind it (IPv4, no prefix). */
export interface VipRule {
  vip: string;
  backends: readonly string[];
}

/** A published port and its backends (task address and target port). */
export interface IngressPort {
  protocol: 'tcp' | 'udp';
  port: number;
  backends: readonly { addr: string; port: number }[];
}

/**
 * nat rules for a task's namespace (jumps: `SANDBOX_VIP_JUMPS`): connections of any protocol
 * and port to a VIP are DNATed to its backends in exact round robin. With N backends, rule i
 * (0-based) is `-m statistic --mode nth --every N-i --packet 0` and the last is unconditional:
 * each nth counter only sees the connections the rules before it let through, so backend i gets
 * connections i, i+N, i+2N, ... Only a connection's first packet traverses nat, so counters
 * count connections. VIPs without backends get no rule (see `sandboxVipRejectRules`).
 */
export function sandboxVipRules(vips: readonly VipRule[]): string {
  checkVips(vips);
  const rules = vips.flatMap(({ vip, backends }) =>
    roundRobin(
      `-A ${VIP_CHAIN} -d ${vip}/32`,
      backends.map((b) => `DNAT --to-destination ${b}`),
    ),
  );
  return restoreInput('nat', [VIP_CHAIN], rules);
}

/**
 * filter rules for a task's namespace (jumps: `SANDBOX_VIP_REJECT_JUMPS`): a VIP with zero
 * backends is rejected (TCP with a reset, anything else with ICMP port unreachable), so clients
 * fail at once instead of waiting for ARP on an address nobody owns.
 */
export function sandboxVipRejectRules(vips: readonly VipRule[]): string {
  checkVips(vips);
  const rules = vips
    .filter((v) => v.backends.length === 0)
    .flatMap(({ vip }) => [
      `-A ${VIP_REJECT_CHAIN} -d ${vip}/32 -p tcp -j REJECT --reject-with tcp-reset`,
      `-A ${VIP_REJECT_CHAIN} -d ${vip}/32 -j REJECT --reject-with icmp-port-unreachable`,
    ]);
  return restoreInput('filter', [VIP_REJECT_CHAIN], rules);
}

/**
 * nat rules for the node's namespace (jumps: `INGRESS_NAT_JUMPS`). Per published port with
 * backends: set `INGRESS_MARK` on the connection (CONNMARK), then DNAT round robin (as in
 * `sandboxVipRules`) to `addr:port`; POSTROUTING masquerades marked connections so replies
 * come back through this node. A port without backends gets no rule: its packets go on to
 * whatever listens locally.
 */
export function ingressNatRules(ports: readonly IngressPort[]): string {
  checkPorts(ports);
  const rules = ports
    .filter((p) => p.backends.length > 0)
    .flatMap(({ protocol, port, backends }) => {
      const head = `-A ${INGRESS_CHAIN} -p ${protocol} -m ${protocol} --dport ${port}`;
      return [
        `${head} -j CONNMARK --set-xmark ${MARK}`,
        ...roundRobin(
          head,
          backends.map((b) => `DNAT --to-destination ${b.addr}:${b.port}`),
        ),
      ];
    });
  rules.push(`-A ${INGRESS_POSTROUTING_CHAIN} -m connmark --mark ${MARK} -j MASQUERADE`);
  return restoreInput('nat', [INGRESS_CHAIN, INGRESS_POSTROUTING_CHAIN], rules);
}

/**
 * filter rules for the node's namespace (jumps: `INGRESS_FILTER_JUMPS`): Docker's FORWARD
 * policy is DROP, so accept every packet, either direction, of a connection carrying
 * `INGRESS_MARK` (which covers its ESTABLISHED and RELATED packets too).
 */
export function ingressFilterRules(): string {
  return restoreInput(
    'filter',
    [INGRESS_FORWARD_CHAIN],
    [`-A ${INGRESS_FORWARD_CHAIN} -m connmark --mark ${MARK} -j ACCEPT`],
  );
}

/** Rules `head -m statistic --mode nth --every N-i --packet 0 -j target_i`, the last bare. */
function roundRobin(head: string, targets: readonly string[]): string[] {
  const n = targets.length;
  return targets.map((target, i) =>
    i === n - 1
      ? `${head} -j ${target}`
      : `${head} -m statistic --mode nth --every ${n - i} --packet 0 -j ${target}`,
  );
}

function restoreInput(table: string, chains: readonly string[], rules: readonly string[]): string {
  return [`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...rules, 'COMMIT', ''].join('\n');
}

function checkVips(vips: readonly VipRule[]): void {
  const seen = new Set<string>();
  for (const { vip, backends } of vips) {
    checkIPv4('vip', vip);
    for (const b of backends) checkIPv4(`backend of ${vip}`, b);
    if (seen.has(vip)) throw new DataPlaneError('INVALID_ARGUMENT', `VIP ${vip} listed twice`);
    seen.add(vip);
  }
}

function checkPorts(ports: readonly IngressPort[]): void {
  const seen = new Set<string>();
  for (const { protocol, port, backends } of ports) {
    if (protocol !== 'tcp' && protocol !== 'udp') {
      throw new DataPlaneError('INVALID_ARGUMENT', `invalid protocol ${String(protocol)}`);
    }
    checkInt('published port', port, 1, 65535);
    for (const b of backends) {
      checkIPv4(`backend of ${protocol}/${port}`, b.addr);
      checkInt(`backend port of ${protocol}/${port}`, b.port, 1, 65535);
    }
    const key = `${protocol}/${port}`;
    if (seen.has(key)) throw new DataPlaneError('INVALID_ARGUMENT', `port ${key} listed twice`);
    seen.add(key);
  }
}
