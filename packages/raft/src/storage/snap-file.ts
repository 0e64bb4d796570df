import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Snapshot } from '../types.js';
import { ByteReader, ByteWriter, DecodeError } from './bytes.js';
import { openSealed, type PayloadCipher } from './cipher.js';
import { readSnapshot, writeSnapshot } from './codec.js';
import { crc32 } from './crc32.js';
import { StorageFaultCode, StorageFaultError } from './errors.js';
import { fsyncDir, hex16, writeFileAtomic } from './fsutil.js';

/**
 * Snapshot files: `snap/<index>.snap` (16 hex digits) holding
 * `u32le crc32 | meta | varint length | data | u8 flags`, the CRC covering
 * everything after it. `flags` bit 0 set means `data` is sealed by the
 * storage's `PayloadCipher` (meta stays readable); files written before
 * encryption existed end after `data` and are read as plaintext. Written
 * atomically; only the newest is kept, older ones are removed after the new
 * one is durable.
 */
const SNAP_RE = /^([0-9a-f]{16})\.snap$/;

/** `flags` bit: the snapshot data is sealed. */
const FLAG_SEALED = 1;

/** Directory of the snapshot files inside a storage directory. */
export function snapDir(root: string): string {
  return path.join(root, 'snap');
}

/**
 * Writes `snap` durably (temp, fsync, rename, fsync dir), its data sealed with
 * `cipher` if given, then deletes snapshot files of lower index. Callers
 * serialize calls (one temp file name per index).
 */
export async function writeSnapFile(
  dir: string,
  snap: Snapshot,
  cipher?: PayloadCipher,
): Promise<void> {
  const data = cipher === undefined ? snap.data : cipher.seal(snap.data);
  const w = new ByteWriter(data.byteLength + 128);
  w.u8(0).u8(0).u8(0).u8(0);
  writeSnapshot(w, { meta: snap.meta, data });
  w.u8(cipher === undefined ? 0 : FLAG_SEALED);
  const buf = Buffer.from(w.finish().buffer, 0, w.length);
  buf.writeUInt32LE(crc32(buf.subarray(4)), 0);
  const name = `${hex16(snap.meta.index)}.snap`;
  await writeFileAtomic(dir, name, buf);
  let removed = false;
  for (const f of await fsp.readdir(dir)) {
    // Only older files: a concurrent writer of a newer snapshot must never lose it.
    if (SNAP_RE.test(f) && f < name) {
      await fsp.rm(path.join(dir, f));
      removed = true;
    }
  }
  if (removed) await fsyncDir(dir);
}

/** The newest snapshot file, its data opened, and whether it was sealed on disk. */
export interface SnapFile {
  snapshot: Snapshot;
  sealed: boolean;
}

/** Decodes a verified file body; the flags byte is absent in files of the first format. */
function decodeSnapFile(body: Uint8Array): { snapshot: Snapshot; flags: number } {
  const r = new ByteReader(body);
  const snapshot = readSnapshot(r);
  const flags = r.done ? 0 : r.u8();
  if (!r.done || (flags & ~FLAG_SEALED) !== 0) throw new DecodeError(`unknown flags ${flags}`);
  return { snapshot, flags };
}

/**
 * Loads the newest snapshot in `dir`, or undefined if there is none, opening
 * sealed data with `cipher`. Changes nothing on disk (see `removeSnapTemps`).
 * A newest file that does not verify throws `StorageFaultError('snapshot-corrupt')`
 * rather than silently using an older one; sealed data without a cipher or
 * that `cipher` cannot open throws `StorageFaultError('sealed')`.
 */
export async function readLatestSnapFile(
  dir: string,
  cipher?: PayloadCipher,
): Promise<SnapFile | undefined> {
  await fsp.mkdir(dir, { recursive: true });
  const snaps = (await fsp.readdir(dir)).filter((f) => SNAP_RE.test(f)).sort();
  const newest = snaps[snaps.length - 1];
  if (newest === undefined) return undefined;
  const file = path.join(dir, newest);
  const buf = await fsp.readFile(file);
  const corrupt = (why: string, cause?: unknown): StorageFaultError =>
    new StorageFaultError(StorageFaultCode.SnapshotCorrupt, `snapshot ${file}: ${why}`, file, 0, {
      cause,
    });
  if (buf.length < 4 || crc32(buf.subarray(4)) !== buf.readUInt32LE(0))
    throw corrupt('checksum mismatch');
  let decoded: { snapshot: Snapshot; flags: number };
  try {
    decoded = decodeSnapFile(buf.subarray(4));
  } catch (err) {
    throw corrupt('undecodable', err);
  }
  const { snapshot, flags } = decoded;
  if ((flags & FLAG_SEALED) === 0) return { snapshot, sealed: false };
  const data = openSealed(cipher, snapshot.data, file, 0);
  return { snapshot: { meta: snapshot.meta, data }, sealed: true };
}

/** Deletes temp files left by a crash during `writeSnapFile`. */
export async function removeSnapTemps(dir: string): Promise<void> {
  for (const f of await fsp.readdir(dir)) {
    if (f.endsWith('.tmp')) await fsp.rm(path.join(dir, f));
  }
}
