import { isIPv4, isIPv6 } from 'node:net';
import { invalid } from '@swarmlet/api-types';

const MAPPED_PREFIX = '::ffff:';

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a dual-stack
 * socket reports for an IPv4 peer), or undefined.
 */
export function unmapIPv4(addr: string): string | undefined {
  if (addr.length <= MAPPED_PREFIX.length) return undefined;
  if (addr.slice(0, MAPPED_PREFIX.length).toLowerCase() !== MAPPED_PREFIX) return undefined;
  const v4 = addr.slice(MAPPED_PREFIX.length);
  return isIPv4(v4) ? v4 : undefined;
}

/** Writes the 4 bytes of a dotted IPv4 address at `offset`. */
export function writeIPv4(addr: string, out: Buffer, offset: number): void {
  if (!isIPv4(addr)) throw invalid(`not an IPv4 address: ${addr}`);
  const parts = addr.split('.');
  for (let i = 0; i < 4; i++) out[offset + i] = Number(parts[i]);
}

function groupsOf(part: string): number[] {
  if (part === '') return [];
  const groups: number[] = [];
  for (const g of part.split(':')) {
    if (g.includes('.')) {
      const b = Buffer.alloc(4);
      writeIPv4(g, b, 0);
      groups.push(b.readUInt16BE(0), b.readUInt16BE(2));
    } else {
      groups.push(parseInt(g, 16));
    }
  }
  return groups;
}

/** Writes the 16 bytes of an IPv6 address (any textual form, zone id ignored) at `offset`. */
export function writeIPv6(addr: string, out: Buffer, offset: number): void {
  const zone = addr.indexOf('%');
  const text = zone >= 0 ? addr.slice(0, zone) : addr;
  if (!isIPv6(text)) throw invalid(`not an IPv6 address: ${addr}`);
  const gap = text.indexOf('::');
  const head = groupsOf(gap >= 0 ? text.slice(0, gap) : text);
  const tail = gap >= 0 ? groupsOf(text.slice(gap + 2)) : [];
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i] ?? 0, offset + 2 * i);
}

/** The dotted form of the 4 bytes at `offset`. */
export function readIPv4(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** The RFC 5952 form (lower case, longest run of 2+ zero groups as `::`) of 16 bytes at `offset`. */
export function readIPv6(buf: Buffer, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(offset + 2 * i));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}
