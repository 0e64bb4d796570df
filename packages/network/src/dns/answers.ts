import { isIPv4, isIPv6 } from 'node:net';
import { RRType } from './wire.js';

/**
 * The answer records of one address list, encoded once. Each record names the question by the
 * pointer 0xC00C, so its bytes do not depend on the name asked and every record of a family has
 * the same size (16 bytes for A, 28 for AAAA). The list is laid out twice in a row, so the
 * answer rotated to start at record k is the contiguous slice [k, k + count).
 */
export interface EncodedAnswers {
  readonly ttl: number;
  /** Addresses of the query's family in the list (others are left out). */
  readonly count: number;
  /** Bytes of one record. */
  readonly rrSize: number;
  /** 2 x count records. */
  readonly rrs: Buffer;
}

/**
 * Encodes address lists into answer records, caching the bytes per list object: a records
 * source must hand out a new array when its addresses change (arrays are never mutated), and
 * may hand out the same array for every query, which is then encoded once.
 */
export class AnswerEncoder {
  private readonly a = new WeakMap<readonly string[], EncodedAnswers>();
  private readonly aaaa = new WeakMap<readonly string[], EncodedAnswers>();

  /** The records for `addresses` in answer to a query of `qtype` (A or AAAA). */
  encode(addresses: readonly string[], qtype: number, ttl: number): EncodedAnswers {
    const cache = qtype === RRType.A ? this.a : this.aaaa;
    let enc = cache.get(addresses);
    if (enc === undefined || enc.ttl !== ttl) {
      enc = encodeRecords(addresses, qtype, ttl);
      cache.set(addresses, enc);
    }
    return enc;
  }
}

function encodeRecords(addresses: readonly string[], qtype: number, ttl: number): EncodedAnswers {
  const v4 = qtype === RRType.A;
  const rdata = v4 ? 4 : 16;
  const rrSize = 12 + rdata;
  const valid = addresses.filter(v4 ? isIPv4 : isIPv6);
  const rrs = Buffer.alloc(2 * valid.length * rrSize);
  valid.forEach((addr, i) => {
    const bytes = v4 ? ipv4Bytes(addr) : ipv6Bytes(addr);
    for (const o of [i * rrSize, (i + valid.length) * rrSize]) {
      rrs.writeUInt16BE(0xc00c, o);
      rrs.writeUInt16BE(qtype, o + 2);
      rrs.writeUInt16BE(RRType.IN, o + 4);
      rrs.writeUInt32BE(ttl >>> 0, o + 6);
      rrs.writeUInt16BE(rdata, o + 10);
      bytes.copy(rrs, o + 12);
    }
  });
  return { ttl, count: valid.length, rrSize, rrs };
}

/** The 4 bytes of a dotted IPv4 address (already validated). */
export function ipv4Bytes(addr: string): Buffer {
  return Buffer.from(addr.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address (already validated), with `::` and a dotted IPv4 tail. */
export function ipv6Bytes(addr: string): Buffer {
  const out = Buffer.alloc(16);
  let text = addr.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const groups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const b = ipv4Bytes(g);
      return [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    });
  };
  const gap = text.indexOf('::');
  const head = groups(gap < 0 ? text : text.slice(0, gap));
  const tail = gap < 0 ? [] : groups(text.slice(gap + 2));
  head.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  tail.forEach((g, i) => out.writeUInt16BE(g, 16 - (tail.length - i) * 2));
  return out;
}
