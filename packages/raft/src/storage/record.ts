import { crc32 } from './crc32.js';
import { StorageFaultCode, StorageFaultError } from './errors.js';

/**
 * WAL record framing: `u32le length | u32le crc32 | u8 type | payload`, where
 * `length` counts type + payload and the CRC covers the same bytes. A record
 * is valid only if it fits in the file, its type is known and its CRC matches.
 */
export const RecordType = {
  /** One log entry (codec.writeEntry). Appending index i drops stored entries ≥ i. */
  Entry: 1,
  /** The latest hard state (codec.writeHardState). */
  HardState: 2,
  /** A snapshot from the leader replaced the whole log (codec.writeSnapshotMeta). */
  Snapshot: 3,
  /** An `Entry` record whose data is sealed by the storage's `PayloadCipher`; metadata in the clear. */
  SealedEntry: 4,
} as const;
/** Union of `RecordType` values. */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Bytes before the type byte. */
export const HEADER_BYTES = 8;
/** Largest record accepted on read; larger lengths are treated as damage. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

/** A decoded record: its type, its payload (a view) and where it started in which file. */
export interface RawRecord {
  type: RecordType;
  payload: Uint8Array;
  file: string;
  offset: number;
}

/** Frames `payload` as one record of `type`. */
export function encodeRecord(type: RecordType, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + 1 + payload.byteLength);
  out[HEADER_BYTES] = type;
  out.set(payload, HEADER_BYTES + 1);
  out.writeUInt32LE(1 + payload.byteLength, 0);
  out.writeUInt32LE(crc32(out.subarray(HEADER_BYTES)), 4);
  return out;
}

function isRecordType(t: number | undefined): t is RecordType {
  return t !== undefined && t >= RecordType.Entry && t <= RecordType.SealedEntry;
}

/** Length of the valid record at `pos`, or -1 if there is none there. */
function validRecordAt(buf: Buffer, pos: number): number {
  if (pos + HEADER_BYTES + 1 > buf.length) return -1;
  const len = buf.readUInt32LE(pos);
  if (len < 1 || len > MAX_RECORD_BYTES || pos + HEADER_BYTES + len > buf.length) return -1;
  if (!isRecordType(buf[pos + HEADER_BYTES])) return -1;
  const body = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len);
  return crc32(body) === buf.readUInt32LE(pos + 4) ? len : -1;
}

/** True if any valid record starts at an offset > `from` (a damaged record is not the tail). */
function validRecordAfter(buf: Buffer, from: number): boolean {
  for (let p = from + 1; p + HEADER_BYTES + 1 <= buf.length; p++) {
    if (validRecordAt(buf, p) >= 0) return true;
  }
  return false;
}

/** Result of `scanRecords`: the records and the offset where valid data ends. */
export interface ScanResult {
  records: RawRecord[];
  /** Offset just past the last valid record; < file length when a torn tail was found. */
  validEnd: number;
}

/**
 * Decodes every record of one segment file. A damaged record is accepted as a
 * torn tail (and reported through `validEnd`) only if `tailAllowed` (the last
 * segment) and no valid record follows it anywhere in the file; otherwise a
 * `StorageFaultError('wal-corrupt')` names the file and offset.
 */
export function scanRecords(buf: Buffer, file: string, tailAllowed: boolean): ScanResult {
  const records: RawRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const len = validRecordAt(buf, pos);
    if (len < 0) {
      if (tailAllowed && !validRecordAfter(buf, pos)) return { records, validEnd: pos };
      throw new StorageFaultError(
        StorageFaultCode.WalCorrupt,
        `corrupt WAL record in ${file} at offset ${pos} (valid records follow or not the last segment)`,
        file,
        pos,
      );
    }
    const type = buf[pos + HEADER_BYTES] as RecordType;
    const payload = buf.subarray(pos + HEADER_BYTES + 1, pos + HEADER_BYTES + len);
    records.push({ type, payload, file, offset: pos });
    pos += HEADER_BYTES + len;
  }
  return { records, validEnd: pos };
}
