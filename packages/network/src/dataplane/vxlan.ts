import { isIPv4 } from 'node:net';
import { macCommands, parseFdb, peerCommands, type MacEntry } from './fdb.js';
import { DataPlaneError, commandFailedWith, type Shell } from './shell.js';
import { checkInt, checkIPv4, checkLinkName, normalizeMac } from './validate.js';

/** The IANA VXLAN port, also Docker Swarm's default data-path port. */
export const DEFAULT_VXLAN_PORT = 4789;

/** One overlay's VXLAN tunnel endpoint on this node. */
export interface VxlanSpec {
  /** Interface name, at most 15 characters. */
  device: string;
  /** VXLAN network identifier, 1..16777215; both ends of an overlay must agree. */
  vni: number;
  /** The (existing) Linux bridge the device is enslaved to. */
  bridge: string;
  /** This node's underlay address, the source of encapsulated packets. */
  localAddr: string;
  /** Device MTU: the underlay MTU minus 50 bytes of VXLAN/UDP/IP/Ethernet overhead (1450). */
  mtu: number;
  /** UDP destination port; default `DEFAULT_VXLAN_PORT`. */
  port?: number;
}

/** The parts of `ip -d -j link show` that `ensureVxlan` compares. */
export interface LinkDetails {
  kind?: string;
  vni?: number;
  local?: string;
  port?: number;
  learning?: boolean;
  mtu?: number;
  master?: string;
  up: boolean;
}

/** Lines of `ip link show` for an absent device: `Device "x" does not exist.` / `Cannot find device`. */
const NO_DEVICE = ['does not exist', 'cannot find device'];

/**
 * Idempotent: creates `ip link add DEV type vxlan id VNI dstport PORT local ADDR nolearning`,
 * deleting and recreating an existing device whose kind, VNI, local address, port or learning
 * differ (those cannot be changed in place), then sets MTU, `master BRIDGE` and `up` when they
 * differ. An existing device that already matches gets no command but the one reading it.
 * `nolearning`: remote MACs are never learned from traffic, so the FDB holds only what
 * `setVxlanPeers`/`setVxlanMacs` put there.
 */
export async function ensureVxlan(sh: Shell, spec: VxlanSpec): Promise<void> {
  checkVxlanSpec(spec);
  const port = spec.port ?? DEFAULT_VXLAN_PORT;
  let link = await linkDetails(sh, spec.device);
  if (link !== undefined && !sameTunnel(link, spec, port)) {
    await removeLink(sh, spec.device);
    link = undefined;
  }
  if (link === undefined) await sh.run('ip', vxlanAddArgs(spec));
  if (link === undefined || link.mtu !== spec.mtu || link.master !== spec.bridge || !link.up) {
    const dev = spec.device;
    await sh.run('ip', [
      'link',
      'set',
      'dev',
      dev,
      'mtu',
      String(spec.mtu),
      'master',
      spec.bridge,
      'up',
    ]);
  }
}

/** The `ip` arguments creating `spec`'s device (pure). */
export function vxlanAddArgs(spec: VxlanSpec): string[] {
  const port = spec.port ?? DEFAULT_VXLAN_PORT;
  return [
    'link', 'add', spec.device, 'type', 'vxlan', 'id', String(spec.vni),
    'dstport', String(port), 'local', spec.localAddr, 'nolearning',
  ]; // prettier-ignore
}

function sameTunnel(link: LinkDetails, spec: VxlanSpec, port: number): boolean {
  return (
    link.kind === 'vxlan' &&
    link.vni === spec.vni &&
    link.local === spec.localAddr &&
    link.port === port &&
    link.learning === false
  );
}

function checkVxlanSpec(spec: VxlanSpec): void {
  checkLinkName('vxlan device', spec.device);
  checkLinkName('bridge', spec.bridge);
  checkInt('vni', spec.vni, 1, 0xffffff);
  checkIPv4('localAddr', spec.localAddr);
  checkInt('mtu', spec.mtu, 68, 65535);
  if (spec.port !== undefined) checkInt('port', spec.port, 1, 65535);
}

/** Reads `ip -d -j link show dev DEVICE`; undefined when the device does not exist. */
export async function linkDetails(sh: Shell, device: string): Promise<LinkDetails | undefined> {
  checkLinkName('device', device);
  let out: string;
  try {
    out = await sh.run('ip', ['-d', '-j', 'link', 'show', 'dev', device]);
  } catch (err) {
    if (commandFailedWith(err, NO_DEVICE)) return undefined;
    throw err;
  }
  return parseLinkDetails(out);
}

/** Parses `ip -d -j link show dev X` (pure); undefined for an empty array. */
export function parseLinkDetails(json: string): LinkDetails | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new DataPlaneError('UNEXPECTED_OUTPUT', `ip link show: not JSON: ${json.slice(0, 200)}`, {
      cause: err,
    });
  }
  const link = Array.isArray(parsed)
    ? (parsed[0] as Record<string, unknown> | undefined)
    : undefined;
  if (link === undefined) return undefined;
  const info = (link['linkinfo'] ?? {}) as Record<string, unknown>;
  const data = (info['info_data'] ?? {}) as Record<string, unknown>;
  const flags = Array.isArray(link['flags']) ? (link['flags'] as unknown[]) : [];
  return {
    ...optional('kind', info['info_kind'], 'string'),
    ...optional('vni', data['id'], 'number'),
    ...optional('local', data['local'], 'string'),
    ...optional('port', data['port'], 'number'),
    ...optional('learning', data['learning'], 'boolean'),
    ...optional('mtu', link['mtu'], 'number'),
    ...optional('master', link['master'], 'string'),
    up: flags.includes('UP'),
  };
}

function optional(key: string, value: unknown, type: 'string' | 'number' | 'boolean'): object {
  return typeof value === type ? { [key]: value } : {};
}

/**
 * Makes the all-zero FDB entries of `device` exactly `peers` (the VTEPs that get broadcast,
 * ARP and unknown unicast): `bridge fdb append 00:00:00:00:00:00 dev DEV dst PEER` for missing
 * ones first, then `bridge fdb del ... dst PEER` for the ones not listed. Equal sets run no
 * command but the read (`bridge -j fdb show dev DEV`).
 */
export async function setVxlanPeers(
  sh: Shell,
  device: string,
  peers: readonly string[],
): Promise<void> {
  checkLinkName('device', device);
  for (const p of peers) checkIPv4('peer', p);
  const current = parseFdb(await sh.run('bridge', ['-j', 'fdb', 'show', 'dev', device]));
  for (const args of peerCommands(device, current, peers)) await sh.run('bridge', args);
}

/**
 * Keeps exactly `entries` as the static unicast entries of `device` (`bridge fdb replace MAC dev
 * DEV dst PEER`), so frames to a known remote container go to its node only instead of being
 * flooded to every peer. Entries of other MACs that the device holds permanently are deleted;
 * the bridge's rows (`master`) and the all-zero flood entries are left alone. A MAC listed twice
 * with different dsts is an `INVALID_ARGUMENT`.
 */
export async function setVxlanMacs(
  sh: Shell,
  device: string,
  entries: readonly MacEntry[],
): Promise<void> {
  checkLinkName('device', device);
  const wanted = normalizeMacEntries(entries);
  const current = parseFdb(await sh.run('bridge', ['-j', 'fdb', 'show', 'dev', device]));
  for (const args of macCommands(device, current, wanted)) await sh.run('bridge', args);
}

function normalizeMacEntries(entries: readonly MacEntry[]): MacEntry[] {
  const byMac = new Map<string, string>();
  for (const e of entries) {
    const mac = normalizeMac('mac', e.mac);
    checkIPv4('dst', e.dst);
    if (mac === '00:00:00:00:00:00' || (parseInt(mac.slice(0, 2), 16) & 1) === 1) {
      throw new DataPlaneError('INVALID_ARGUMENT', `setVxlanMacs: ${mac} is not a unicast MAC`);
    }
    const seen = byMac.get(mac);
    if (seen !== undefined && seen !== e.dst) {
      throw new DataPlaneError(
        'INVALID_ARGUMENT',
        `setVxlanMacs: ${mac} listed with ${seen} and ${e.dst}`,
      );
    }
    byMac.set(mac, e.dst);
  }
  return [...byMac].map(([mac, dst]) => ({ mac, dst }));
}

/** Deletes link `device` (any kind; a veth takes its peer along). Succeeds when it is absent. */
export async function removeLink(sh: Shell, device: string): Promise<void> {
  checkLinkName('device', device);
  try {
    await sh.run('ip', ['link', 'del', 'dev', device]);
  } catch (err) {
    if (!commandFailedWith(err, NO_DEVICE)) throw err;
  }
}

/**
 * The MAC Docker gives a container from its IPv4 address: `02:42` then the four octets in hex
 * (10.0.0.2 -> 02:42:0a:00:00:02), locally administered and unicast. Throws `INVALID_ARGUMENT`
 * for anything but a dotted-quad IPv4 address.
 */
export function macForIp(ip: string): string {
  if (!isIPv4(ip)) throw new DataPlaneError('INVALID_ARGUMENT', `macForIp: not IPv4: ${ip}`);
  const octets = ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return ['02', '42', ...octets].join(':');
}
