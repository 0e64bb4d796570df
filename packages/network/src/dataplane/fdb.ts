import { DataPlaneError } from './shell.js';

/** The all-zero MAC: a VXLAN device floods broadcast and unknown unicast to its entries' dsts. */
export const ZERO_MAC = '00:00:00:00:00:00';

/** One row of `bridge -j fdb show dev DEV` (the fields this module reads). */
export interface FdbEntry {
  mac: string;
  dst?: string;
  master?: string;
  state?: string;
  flags?: readonly string[];
}

/** One `bridge` command line (arguments after `bridge`). */
export type BridgeArgs = readonly string[];

/** Parses `bridge -j fdb show` output; throws `UNEXPECTED_OUTPUT` when it is not a JSON array. */
export function parseFdb(json: string): FdbEntry[] {
  const text = json.trim();
  if (text === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataPlaneError(
      'UNEXPECTED_OUTPUT',
      `bridge fdb show: not JSON: ${text.slice(0, 200)}`,
      {
        cause: err,
      },
    );
  }
  if (!Array.isArray(parsed)) {
    throw new DataPlaneError('UNEXPECTED_OUTPUT', 'bridge fdb show: not a JSON array');
  }
  return parsed.filter(isFdbEntry).map((e) => ({ ...e, mac: e.mac.toLowerCase() }));
}

function isFdbEntry(v: unknown): v is FdbEntry {
  return typeof v === 'object' && v !== null && typeof (v as { mac?: unknown }).mac === 'string';
}

/**
 * The device's own entries with a remote (`dst`), i.e. what `bridge fdb append/replace ... dst`
 * created. Rows with `master` belong to the bridge the device is a port of (learned or local
 * MACs) and are never ours.
 */
function ownRemoteEntries(entries: readonly FdbEntry[]): FdbEntry[] {
  return entries.filter((e) => e.dst !== undefined && e.master === undefined);
}

/**
 * The `bridge` commands that make the all-zero entries of `device` exactly `peers`: appends
 * first (so flooding never loses a peer that stays), then deletions, each in input order.
 */
export function peerCommands(
  device: string,
  current: readonly FdbEntry[],
  peers: readonly string[],
): BridgeArgs[] {
  const have = new Set(
    ownRemoteEntries(current)
      .filter((e) => e.mac === ZERO_MAC)
      .map((e) => e.dst as string),
  );
  const want = new Set(peers);
  const cmds: BridgeArgs[] = [];
  for (const peer of want) {
    if (!have.has(peer)) cmds.push(['fdb', 'append', ZERO_MAC, 'dev', device, 'dst', peer]);
  }
  for (const peer of have) {
    if (!want.has(peer)) cmds.push(['fdb', 'del', ZERO_MAC, 'dev', device, 'dst', peer]);
  }
  return cmds;
}

/** A static unicast entry: frames to `mac` go to VTEP `dst` only. */
export interface MacEntry {
  mac: string;
  dst: string;
}

/**
 * The `bridge` commands that make the static non-zero entries of `device` exactly `entries`
 * (MACs lower-case, one dst each). Only permanent entries the device holds itself are touched;
 * bridge (`master`) rows and dynamic ones are left alone. A MAC whose single dst changes is
 * rewritten with one `replace` (no moment without an entry).
 */
export function macCommands(
  device: string,
  current: readonly FdbEntry[],
  entries: readonly MacEntry[],
): BridgeArgs[] {
  const have = new Map<string, string[]>();
  for (const e of ownRemoteEntries(current)) {
    if (e.mac === ZERO_MAC || (e.state !== undefined && e.state !== 'permanent')) continue;
    have.set(e.mac, [...(have.get(e.mac) ?? []), e.dst as string]);
  }
  const cmds: BridgeArgs[] = [];
  const want = new Map(entries.map((e) => [e.mac, e.dst]));
  for (const [mac, dst] of want) cmds.push(...oneMac(device, mac, dst, have.get(mac) ?? []));
  for (const mac of have.keys()) {
    if (!want.has(mac)) cmds.push(['fdb', 'del', mac, 'dev', device]);
  }
  return cmds;
}

function oneMac(device: string, mac: string, dst: string, dsts: readonly string[]): BridgeArgs[] {
  const replace = ['fdb', 'replace', mac, 'dev', device, 'dst', dst];
  if (dsts.length === 0 || (dsts.length === 1 && dsts[0] !== dst)) return [replace];
  if (dsts.includes(dst)) {
    return dsts.filter((d) => d !== dst).map((d) => ['fdb', 'del', mac, 'dev', device, 'dst', d]);
  }
  // Several remotes, none the wanted one: which one `replace` rewrites is the kernel's choice,
  // so drop the entry and recreate it.
  return [['fdb', 'del', mac, 'dev', device], replace];
}
