import { crc32 } from 'node:zlib';
import { SwarmletError } from '@swarmlet/api-types';

/** Record layout: u32 LE payload length, u32 LE CRC-32 of the payload, then the payload. */
export const HEADER_BYTES = 8;

export function encodeRecord(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, HEADER_BYTES);
  return out;
}

export interface DecodedLog {
  payloads: Buffer[];
  /** Bytes of valid records; anything after is a torn tail to truncate. */
  validBytes: number;
}

/**
 * Decodes a log. A bad record that runs to the end of the file is a torn write (the crash hit
 * the last append) and is dropped; a bad record followed by more bytes is corruption and is
 * refused, because silently dropping it would lose acknowledged writes after it.
 */
export function decodeLog(buf: Buffer, file: string): DecodedLog {
  const payloads: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    const bad = checkRecord(buf, off);
    if (bad !== undefined) {
      if (bad.end >= buf.length) return { payloads, validBytes: off };
      throw new SwarmletError(
        'INTERNAL',
        `write-ahead log ${file} is corrupt at offset ${off} (${bad.reason}) with ${buf.length - off} bytes after it; refusing to start. Restore the data dir from a backup.`,
      );
    }
    const len = buf.readUInt32LE(off);
    payloads.push(buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len));
    off += HEADER_BYTES + len;
  }
  return { payloads, validBytes: off };
}

function checkRecord(buf: Buffer, off: number): { reason: string; end: number } | undefined {
  if (off + HEADER_BYTES > buf.length) return { reason: 'short header', end: buf.length };
  const len = buf.readUInt32LE(off);
  const end = off + HEADER_BYTES + len;
  if (len === 0) return { reason: 'empty record', end: zeroRunEnd(buf, off) };
  if (end > buf.length) return { reason: 'short record', end };
  const crc = buf.readUInt32LE(off + 4);
  if (crc32(buf.subarray(off + HEADER_BYTES, end)) !== crc)
    return { reason: 'checksum mismatch', end };
  return undefined;
}

/** A zero-filled tail (preallocated space after a crash) counts as torn up to its end. */
function zeroRunEnd(buf: Buffer, off: number): number {
  let i = off;
  while (i < buf.length && buf[i] === 0) i++;
  return i;
}
