/**
 * Test helpers (not exported by the package): a DNS client written apart from the server's codec
 * (it builds queries field by field and decodes responses with name compression), and UDP/TCP
 * exchanges bounded by a timeout.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

/** Options of a test query. */
export interface QueryOptions {
  id?: number;
  opcode?: number;
  qdcount?: number;
  /** Adds an OPT record. */
  edns?: { udpSize: number; version?: number; dnssecOk?: boolean };
  qclass?: number;
}

const TYPES: Record<string, number> = { A: 1, NS: 2, MX: 15, TXT: 16, AAAA: 28, SRV: 33 };

/** A query for `name` (labels as given, so case is kept) of `type` (name or number). */
export function encodeQuery(name: string, type: string | number, opts: QueryOptions = {}): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l !== '');
  const qname = Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(opts.id ?? 0x1234, 0);
  header[2] = ((opts.opcode ?? 0) << 3) | 0x01; // RD
  header.writeUInt16BE(opts.qdcount ?? 1, 4);
  header.writeUInt16BE(opts.edns ? 1 : 0, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(typeof type === 'number' ? type : TYPES[type]!, 0);
  tail.writeUInt16BE(opts.qclass ?? 1, 2);
  const parts = [header, qname, tail];
  if (opts.edns) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(opts.edns.udpSize, 3);
    opt[6] = opts.edns.version ?? 0;
    opt[7] = opts.edns.dnssecOk ? 0x80 : 0;
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

/** A decoded resource record. */
export interface DecodedRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** A/AAAA address, otherwise the rdata in hex. */
  data: string;
}

/** A decoded response. */
export interface DecodedResponse {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  questions: { name: string; type: number; class: number }[];
  answers: DecodedRecord[];
  authority: DecodedRecord[];
  additional: DecodedRecord[];
}

/** Decodes a whole message; throws on anything malformed or on trailing bytes. */
export function decodeResponse(buf: Buffer): DecodedResponse {
  let o = 12;
  const name = (): string => {
    const labels: string[] = [];
    let p = o;
    let jumped = false;
    for (let hops = 0; hops < 64; hops++) {
      const l = buf[p];
      if (l === undefined) throw new Error('name runs past the end');
      if ((l & 0xc0) === 0xc0) {
        if (!jumped) o = p + 2;
        jumped = true;
        p = buf.readUInt16BE(p) & 0x3fff;
        continue;
      }
      if (l === 0) {
        if (!jumped) o = p + 1;
        return labels.join('.');
      }
      labels.push(buf.toString('latin1', p + 1, p + 1 + l));
      p += 1 + l;
    }
    throw new Error('pointer loop');
  };
  const record = (): DecodedRecord => {
    const n = name();
    const type = buf.readUInt16BE(o);
    const cls = buf.readUInt16BE(o + 2);
    const ttl = buf.readUInt32BE(o + 4);
    const len = buf.readUInt16BE(o + 8);
    const rdata = buf.subarray(o + 10, o + 10 + len);
    if (rdata.length !== len) throw new Error('rdata runs past the end');
    o += 10 + len;
    const data =
      type === 1 && len === 4
        ? [...rdata].join('.')
        : type === 28 && len === 16
          ? formatIPv6(rdata)
          : rdata.toString('hex');
    return { name: n, type, class: cls, ttl, data };
  };
  const count = (at: number): number => buf.readUInt16BE(at);
  const questions = Array.from({ length: count(4) }, () => {
    const n = name();
    const q = { name: n, type: buf.readUInt16BE(o), class: buf.readUInt16BE(o + 2) };
    o += 4;
    return q;
  });
  const answers = Array.from({ length: count(6) }, record);
  const authority = Array.from({ length: count(8) }, record);
  const additional = Array.from({ length: count(10) }, record);
  if (o !== buf.length) throw new Error(`${buf.length - o} trailing bytes`);
  return {
    id: buf.readUInt16BE(0),
    qr: (buf[2]! & 0x80) !== 0,
    opcode: (buf[2]! >> 3) & 0x0f,
    aa: (buf[2]! & 0x04) !== 0,
    tc: (buf[2]! & 0x02) !== 0,
    rd: (buf[2]! & 0x01) !== 0,
    ra: (buf[3]! & 0x80) !== 0,
    rcode: buf[3]! & 0x0f,
    questions,
    answers,
    authority,
    additional,
  };
}

/** RFC 5952 text of 16 bytes (longest run of two or more zero groups as `::`). */
function formatIPv6(b: Buffer): string {
  const g = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Sends `msg` over UDP from `localAddress` and resolves the first reply, or null after `timeoutMs`. */
export function udpExchange(
  port: number,
  msg: Buffer,
  opts: { localAddress?: string; timeoutMs?: number } = {},
): Promise<Buffer | null> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    const done = (r: Buffer | null): void => {
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const timer = setTimeout(() => done(null), opts.timeoutMs ?? 1000);
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.on('message', (reply) => done(reply));
    socket.bind(0, opts.localAddress ?? '127.0.0.1', () => socket.send(msg, port, '127.0.0.1'));
  });
}

/** UDP query and decoded reply (throws when none comes within the timeout). */
export async function udpQuery(
  port: number,
  msg: Buffer,
  opts: { localAddress?: string; timeoutMs?: number } = {},
): Promise<DecodedResponse> {
  const reply = await udpExchange(port, msg, opts);
  if (reply === null) throw new Error('no UDP reply');
  return decodeResponse(reply);
}

/** What a TCP exchange saw: the replies in arrival order, and whether the server closed. */
export interface TcpResult {
  replies: Buffer[];
  closed: boolean;
}

/**
 * Writes `chunks` (raw bytes, framing is the caller's) on one connection, one write each, and
 * collects framed replies until `expect` of them arrived, the server closed, or `timeoutMs`.
 */
export function tcpExchange(
  port: number,
  chunks: Buffer[],
  expect: number,
  opts: { localAddress?: string; timeoutMs?: number } = {},
): Promise<TcpResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: opts.localAddress });
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ replies, closed });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 2000);
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
    });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (replies.length >= expect) finish(false);
    });
  });
}

/** `msg` with its 2-byte length prefix. */
export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length, 0);
  return Buffer.concat([len, msg]);
}
