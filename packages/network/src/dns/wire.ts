/**
 * The DNS wire format the server needs (RFC 1035 4.1, RFC 6891 for EDNS0), hand-written for the
 * hot path: a query is parsed in place into a reused `Query`, and a response is the query's own
 * header and question bytes followed by pre-encoded answer records (see `answers.ts`).
 * Nothing else is decoded: forwarded messages are relayed as bytes.
 */

/** Response codes (RFC 1035 4.1.1); BADVERS is an extended code carried in the OPT record. */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;
/** A response code. */
export type Rcode = (typeof Rcode)[keyof typeof Rcode];

/** The record types and class the server knows. */
export const RRType = { A: 1, AAAA: 28, OPT: 41, IN: 1 } as const;

/** Size of the fixed header. */
export const HEADER_SIZE = 12;
/** The UDP response limit without EDNS0 (RFC 1035 4.2.1). */
export const MIN_UDP_PAYLOAD = 512;
/** Cap on the client's advertised EDNS0 payload size: larger answers go over TCP. */
export const MAX_UDP_PAYLOAD = 4096;
/** The payload size this server advertises in its own OPT record (DNS flag day 2020). */
export const ADVERTISED_PAYLOAD = 1232;
/** A TCP message is at most this long (2-byte length prefix). */
export const MAX_TCP_MESSAGE = 65535;

const OPT_SIZE = 11;
const MAX_NAME = 255;

/** Outcome of `parseQuery`. */
export const ParseResult = {
  /** A single-question standard query: answer it. */
  OK: 0,
  /** Not a query, or unreadable (short, QR set, bad name or record): drop it, never answer. */
  DROP: 1,
  /** Readable, but without a question, or with more than one OPT: answer FORMERR. */
  FORMERR: 2,
  /** Opcode other than QUERY: answer NOTIMP. */
  NOTIMP: 3,
} as const;
/** Outcome of `parseQuery`. */
export type ParseResult = (typeof ParseResult)[keyof typeof ParseResult];

/**
 * A parsed query. The server owns one and refills it for every message (it answers
 * synchronously), so nothing read here may be kept past the handling of one message.
 */
export class Query {
  id = 0;
  opcode = 0;
  qtype = 0;
  qclass = 0;
  /** Lower-case name without the trailing dot ('' for the root). */
  name = '';
  /** The name has a label holding a '.' or a byte outside printable ASCII: never a local name. */
  odd = false;
  /** Offset just past the question (0 when there is none to echo). */
  questionEnd = 0;
  /** The query carried an OPT record. */
  edns = false;
  /** The client's UDP payload size, clamped to [512, 4096] (512 without EDNS). */
  udpSize = MIN_UDP_PAYLOAD;
  /** EDNS version asked for (only 0 is supported: others get BADVERS). */
  ednsVersion = 0;
  /** DNSSEC OK bit, copied into the response OPT (RFC 3225). */
  dnssecOk = false;
}

// Lower-case name bytes are assembled here, then turned into one string.
const scratch = Buffer.allocUnsafe(MAX_NAME + 1);

/**
 * Reads `msg` into `q`. Pointers are refused in the question: in a one-question query the name
 * starts at offset 12 and could only point back into itself, so the question bytes
 * [12, questionEnd) are always a plain name that answers can point to (0xC00C).
 */
export function parseQuery(msg: Buffer, q: Query): ParseResult {
  const len = msg.length;
  if (len < HEADER_SIZE || (msg[2]! & 0x80) !== 0) return ParseResult.DROP;
  q.id = (msg[0]! << 8) | msg[1]!;
  q.opcode = (msg[2]! >> 3) & 0x0f;
  q.questionEnd = 0;
  q.edns = false;
  q.udpSize = MIN_UDP_PAYLOAD;
  q.ednsVersion = 0;
  q.dnssecOk = false;
  const qd = (msg[4]! << 8) | msg[5]!;
  if (qd === 0) {
    // A header (and records) without a question: answer only if the rest reads.
    if (readRecords(msg, q, HEADER_SIZE) !== msg.length) return ParseResult.DROP;
    return q.opcode === 0 ? ParseResult.FORMERR : ParseResult.NOTIMP;
  }
  if (qd > 1) return ParseResult.DROP; // no client asks several questions: noise
  const end = readQuestion(msg, q);
  if (end < 0) return ParseResult.DROP;
  q.questionEnd = end;
  if (q.opcode !== 0) return ParseResult.NOTIMP;
  const rrEnd = readRecords(msg, q, end);
  return rrEnd >= 0 ? ParseResult.OK : rrEnd === BAD_OPT ? ParseResult.FORMERR : ParseResult.DROP;
}

/** Reads the name, type and class at offset 12; returns the offset after them, or -1. */
function readQuestion(msg: Buffer, q: Query): number {
  const len = msg.length;
  let o = HEADER_SIZE;
  let n = 0;
  let odd = false;
  for (;;) {
    if (o >= len) return -1;
    const l = msg[o]!;
    o++;
    if (l === 0) break;
    if (l > 63 || o + l > len || n + l + 1 > MAX_NAME) return -1;
    if (n > 0) scratch[n++] = 0x2e;
    for (let i = 0; i < l; i++) {
      let c = msg[o + i]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      else if (c === 0x2e || c < 0x21 || c > 0x7e) odd = true;
      scratch[n++] = c;
    }
    o += l;
  }
  if (o + 4 > len) return -1;
  q.name = n === 0 ? '' : scratch.toString('latin1', 0, n);
  q.odd = odd;
  q.qtype = (msg[o]! << 8) | msg[o + 1]!;
  q.qclass = (msg[o + 2]! << 8) | msg[o + 3]!;
  return o + 4;
}

const UNREADABLE = -1;
const BAD_OPT = -2;

/**
 * Skips answer and authority records and finds the OPT record among the additional ones;
 * returns the offset after the last record, UNREADABLE or BAD_OPT.
 */
function readRecords(msg: Buffer, q: Query, start: number): number {
  const rrs = ((msg[6]! << 8) | msg[7]!) + ((msg[8]! << 8) | msg[9]!);
  const ar = (msg[10]! << 8) | msg[11]!;
  let o = start;
  for (let i = 0; i < rrs + ar; i++) {
    const nameEnd = skipName(msg, o);
    if (nameEnd < 0 || nameEnd + 10 > msg.length) return UNREADABLE;
    const type = msg.readUInt16BE(nameEnd);
    const rdEnd = nameEnd + 10 + msg.readUInt16BE(nameEnd + 8);
    if (rdEnd > msg.length) return UNREADABLE;
    if (i >= rrs && type === RRType.OPT) {
      // RFC 6891 6.1.1: at most one OPT, owned by the root.
      if (q.edns || nameEnd !== o + 1) return BAD_OPT;
      q.edns = true;
      const size = msg.readUInt16BE(nameEnd + 2);
      q.udpSize = Math.min(MAX_UDP_PAYLOAD, Math.max(MIN_UDP_PAYLOAD, size));
      q.ednsVersion = msg[nameEnd + 5]!;
      q.dnssecOk = (msg[nameEnd + 6]! & 0x80) !== 0;
    }
    o = rdEnd;
  }
  return o;
}

/** The offset after a (possibly compressed) name at `o`, or -1. */
function skipName(msg: Buffer, o: number): number {
  for (;;) {
    if (o >= msg.length) return -1;
    const l = msg[o]!;
    if (l === 0) return o + 1;
    if ((l & 0xc0) === 0xc0) return o + 2 <= msg.length ? o + 2 : -1;
    if (l > 63) return -1;
    o += l + 1;
  }
}

/** What a response carries besides the echoed question. */
export interface ResponseParts {
  rcode: Rcode;
  /** Authoritative answer (local names). */
  aa: boolean;
  /** Answer records laid out back to back (each `rrSize` bytes), or null for none. */
  rrs: Buffer | null;
  rrSize: number;
  /** Index of the first record of `rrs` to send, and how many. */
  first: number;
  count: number;
}

/**
 * Builds the response to the query `msg` (parsed into `q`): header, the question copied as sent
 * (so the client's 0x20 case survives), as many records as fit in `limit` bytes (TC set when
 * some are left out), and an OPT record when the query had one. `prefix` bytes are reserved in
 * front (2 for TCP, which get the message length).
 */
export function buildResponse(
  msg: Buffer,
  q: Query,
  parts: ResponseParts,
  limit: number,
  prefix: number,
): Buffer {
  const head = q.questionEnd > 0 ? q.questionEnd : HEADER_SIZE;
  const opt = q.edns ? OPT_SIZE : 0;
  let count = parts.count;
  let tc = 0;
  const room = Math.floor((limit - head - opt) / parts.rrSize);
  if (count > room) {
    count = Math.max(0, room);
    tc = 0x02;
  }
  const size = head + count * parts.rrSize + opt;
  const out = Buffer.allocUnsafe(prefix + size);
  if (prefix === 2) out.writeUInt16BE(size, 0);
  const o = prefix;
  copyBytes(msg, 0, q.questionEnd > 0 ? head : 2, out, o);
  out[o + 2] = 0x80 | (q.opcode << 3) | (parts.aa ? 0x04 : 0) | tc | (msg[2]! & 0x01);
  out[o + 3] = 0x80 | (parts.rcode & 0x0f);
  out[o + 4] = 0;
  out[o + 5] = q.questionEnd > 0 ? 1 : 0;
  out[o + 6] = count >> 8;
  out[o + 7] = count & 0xff;
  out[o + 8] = 0;
  out[o + 9] = 0;
  out[o + 10] = 0;
  out[o + 11] = opt > 0 ? 1 : 0;
  if (count > 0 && parts.rrs !== null) {
    const from = parts.first * parts.rrSize;
    copyBytes(parts.rrs, from, from + count * parts.rrSize, out, o + head);
  }
  if (opt > 0) writeOpt(out, o + head + count * parts.rrSize, parts.rcode >> 4, q.dnssecOk);
  return out;
}

/** `src[from, to)` into `dst` at `at`: a plain loop for the few bytes of a typical answer. */
function copyBytes(src: Buffer, from: number, to: number, dst: Buffer, at: number): void {
  if (to - from > 64) {
    src.copy(dst, at, from, to);
    return;
  }
  for (let i = from; i < to; i++) dst[at + i - from] = src[i]!;
}

function writeOpt(out: Buffer, o: number, extRcode: number, dnssecOk: boolean): void {
  out[o] = 0;
  out.writeUInt16BE(RRType.OPT, o + 1);
  out.writeUInt16BE(ADVERTISED_PAYLOAD, o + 3);
  out[o + 5] = extRcode;
  out[o + 6] = 0; // version
  out[o + 7] = dnssecOk ? 0x80 : 0;
  out[o + 8] = 0;
  out.writeUInt16BE(0, o + 9);
}

const NO_RECORDS: ResponseParts = { rcode: 0, aa: false, rrs: null, rrSize: 1, first: 0, count: 0 };

/** A response with no records: errors, NXDOMAIN and empty answers. */
export function buildEmptyResponse(
  msg: Buffer,
  q: Query,
  rcode: Rcode,
  aa: boolean,
  prefix: number,
): Buffer {
  return buildResponse(msg, q, { ...NO_RECORDS, rcode, aa }, MAX_TCP_MESSAGE, prefix);
}
