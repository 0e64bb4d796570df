import { invalid } from '@swarmlet/api-types';

/** An IPv4 prefix as numbers: `base` is the first address (host bits zero). */
export interface Cidr {
  base: number;
  prefix: number;
}

const MAX = 2 ** 32;

/** Parses `a.b.c.d`; undefined if it is not a dotted-quad IPv4 address. */
export function parseIp(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parses `a.b.c.d/len` with host bits zero; throws INVALID_ARGUMENT naming `what`. */
export function parseCidr(s: string, what = 'subnet'): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s.trim());
  const base = m ? parseIp(m[1] ?? '') : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (base === undefined || !(prefix >= 0 && prefix <= 32)) {
    throw invalid(`invalid ${what} "${s}": expected an IPv4 CIDR such as 10.0.9.0/24`);
  }
  if (base % size({ base: 0, prefix }) !== 0) {
    throw invalid(
      `invalid ${what} "${s}": host bits are set (did you mean ${formatCidr({ base: base - (base % size({ base: 0, prefix })), prefix })}?)`,
    );
  }
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

/** Number of addresses in the prefix. */
export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + size(c);
}

/**
 * The first `/subnetPrefix` inside one of `pools` (in order) that overlaps none of `used`;
 * undefined when every pool is full. Deterministic, so any leader computes the same answer.
 */
export function allocateSubnet(
  pools: readonly Cidr[],
  subnetPrefix: number,
  used: readonly Cidr[],
): Cidr | undefined {
  for (const pool of pools) {
    if (subnetPrefix < pool.prefix) continue;
    const step = 2 ** (32 - subnetPrefix);
    const end = pool.base + size(pool);
    let candidate = pool.base;
    while (candidate < end && candidate < MAX) {
      const c = { base: candidate, prefix: subnetPrefix };
      const clash = used.find((u) => overlaps(u, c));
      if (!clash) return c;
      // Skip past the clashing prefix, aligned to the step.
      const next = Math.max(candidate + step, clash.base + size(clash));
      candidate = Math.ceil(next / step) * step;
    }
  }
  return undefined;
}

/** The gateway of a subnet: its first host address (the node's bridge takes it). */
export function gatewayOf(c: Cidr): number {
  return c.base + 1;
}

/**
 * The lowest free host address of `subnet`: not the network or broadcast address, not the
 * gateway, not in `used`. Undefined when the subnet is full.
 */
export function allocateAddress(subnet: Cidr, used: ReadonlySet<number>): number | undefined {
  const first = subnet.base + 2;
  const last = subnet.base + size(subnet) - 2; // broadcast excluded
  for (let ip = first; ip <= last; ip++) if (!used.has(ip)) return ip;
  return undefined;
}

/** Usable task/VIP addresses of a subnet (excludes network, gateway and broadcast). */
export function capacity(subnet: Cidr): number {
  return Math.max(0, size(subnet) - 3);
}
