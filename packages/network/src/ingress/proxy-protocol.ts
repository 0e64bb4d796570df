/**
 * PROXY protocol version 2 (binary), as specified by HAProxy's proxy-protocol.txt section 2.2:
 * 12-byte signature, version/command byte, family/transport byte, 16-bit big-endian length of the
 * rest, then the addresses. Only TCP over IPv4/IPv6 (PROXY) and LOCAL are produced.
 */
import { isIPv4 } from 'node:net';
import { invalid } from '@swarmlet/api-types';
import { readIPv4, readIPv6, unmapIPv4, writeIPv4, writeIPv6 } from './ip.js';

/** The 12-byte signature that starts every v2 header. */
export const PROXY_V2_SIGNATURE: Buffer = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

const VERSION_2 = 0x20;
const CMD_LOCAL = 0x00;
const CMD_PROXY = 0x01;
const FAM_UNSPEC = 0x00;
const TCP_OVER_IPV4 = 0x11;
const TCP_OVER_IPV6 = 0x21;
const FIXED = 16;

/** An endpoint of a proxied connection. */
export interface ProxyEndpoint {
  readonly address: string;
  readonly port: number;
}

/** A decoded v2 header. `source`/`destination` are absent for LOCAL (and unsupported families). */
export interface ProxyV2Header {
  readonly command: 'PROXY' | 'LOCAL';
  readonly family: 'tcp4' | 'tcp6' | 'unspec';
  readonly source?: ProxyEndpoint;
  readonly destination?: ProxyEndpoint;
  /** Bytes the header takes, TLVs included: the payload starts at this offset. */
  readonly length: number;
}

function header(cmd: number, fam: number, bodyLen: number): Buffer {
  const out = Buffer.allocUnsafe(FIXED + bodyLen);
  PROXY_V2_SIGNATURE.copy(out, 0);
  out[12] = VERSION_2 | cmd;
  out[13] = fam;
  out.writeUInt16BE(bodyLen, 14);
  return out;
}

/** A LOCAL header: the connection carries no client address (the receiver uses the real one). */
export function encodeProxyV2Local(): Buffer {
  return header(CMD_LOCAL, FAM_UNSPEC, 0);
}

/**
 * The PROXY header for a TCP connection from `source` to `destination`. IPv4-mapped IPv6
 * addresses (a dual-stack listener's view of an IPv4 client) are sent as IPv4 when both ends are
 * IPv4; otherwise an IPv4 end is sent in its mapped IPv6 form.
 */
export function encodeProxyV2(source: ProxyEndpoint, destination: ProxyEndpoint): Buffer {
  const src4 = isIPv4(source.address) ? source.address : unmapIPv4(source.address);
  const dst4 = isIPv4(destination.address) ? destination.address : unmapIPv4(destination.address);
  if (src4 !== undefined && dst4 !== undefined) {
    const out = header(CMD_PROXY, TCP_OVER_IPV4, 12);
    writeIPv4(src4, out, 16);
    writeIPv4(dst4, out, 20);
    out.writeUInt16BE(source.port, 24);
    out.writeUInt16BE(destination.port, 26);
    return out;
  }
  const out = header(CMD_PROXY, TCP_OVER_IPV6, 36);
  writeIPv6(src4 === undefined ? source.address : `::ffff:${src4}`, out, 16);
  writeIPv6(dst4 === undefined ? destination.address : `::ffff:${dst4}`, out, 32);
  out.writeUInt16BE(source.port, 48);
  out.writeUInt16BE(destination.port, 50);
  return out;
}

function endpoints(buf: Buffer, fam: number): Pick<ProxyV2Header, 'source' | 'destination'> {
  if (fam === TCP_OVER_IPV4) {
    return {
      source: { address: readIPv4(buf, 16), port: buf.readUInt16BE(24) },
      destination: { address: readIPv4(buf, 20), port: buf.readUInt16BE(26) },
    };
  }
  return {
    source: { address: readIPv6(buf, 16), port: buf.readUInt16BE(48) },
    destination: { address: readIPv6(buf, 32), port: buf.readUInt16BE(50) },
  };
}

/**
 * Decodes a v2 header at the start of `buf`: undefined while fewer bytes than the header arrived;
 * throws INVALID_ARGUMENT when the bytes are not a v2 header. For a receiving service, and tests.
 */
export function decodeProxyV2(buf: Buffer): ProxyV2Header | undefined {
  const sigLen = Math.min(buf.length, PROXY_V2_SIGNATURE.length);
  if (!buf.subarray(0, sigLen).equals(PROXY_V2_SIGNATURE.subarray(0, sigLen))) {
    throw invalid('not a PROXY protocol v2 header');
  }
  if (buf.length < FIXED) return undefined;
  const verCmd = buf[12] ?? 0;
  const fam = buf[13] ?? 0;
  const length = FIXED + buf.readUInt16BE(14);
  if ((verCmd & 0xf0) !== VERSION_2) throw invalid(`PROXY protocol version ${verCmd >> 4}`);
  const cmd = verCmd & 0x0f;
  if (cmd !== CMD_PROXY && cmd !== CMD_LOCAL) throw invalid(`PROXY protocol command ${cmd}`);
  const need = fam === TCP_OVER_IPV4 ? 12 : fam === TCP_OVER_IPV6 ? 36 : 0;
  if (length - FIXED < need) throw invalid('PROXY protocol header too short for its family');
  if (buf.length < length) return undefined;
  const family = fam === TCP_OVER_IPV4 ? 'tcp4' : fam === TCP_OVER_IPV6 ? 'tcp6' : 'unspec';
  const command = cmd === CMD_PROXY ? 'PROXY' : 'LOCAL';
  if (command === 'LOCAL' || family === 'unspec') return { command, family, length };
  return { command, family, length, ...endpoints(buf, fam) };
}
