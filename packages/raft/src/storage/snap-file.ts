import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Snapshot } from '../types.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { readSnapshot, writeSnapshot } from './codec.js';
import { crc32 } from './crc32.js';
import { StorageFaultCode, StorageFaultError } from './errors.js';
import { fsyncDir, hex16, writeFileAtomic } from './fsutil.js';

/**
 * Snapshot files: `snap/<index>.snap` (16 hex digits) holding
 * `u32le crc32 | encoded snapshot`. Written atomically; only the newest is
 * kept, older ones are removed after the new one is durable.
 */
const SNAP_RE = /^([0-9a-f]{16})\.snap$/;

/** Directory of the snapshot files inside a storage directory. */
export function snapDir(root: string): string {
  return path.join(root, 'snap');
}

/**
 * Writes `snap` durably (temp, fsync, rename, fsync dir), then deletes snapshot
 * files of lower index. Callers serialize calls (one temp file name per index).
 */
export async function writeSnapFile(dir: string, snap: Snapshot): Promise<void> {
  const w = new ByteWriter(snap.data.byteLength + 128);
  w.u8(0).u8(0).u8(0).u8(0);
  writeSnapshot(w, snap);
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

/**
 * Loads the newest snapshot in `dir`, or undefined if there is none. Leftover
 * temp files are deleted. A newest file that does not verify throws
 * `StorageFaultError('snapshot-corrupt')` rather than silently using an older one.
 */
export async function readLatestSnapFile(dir: string): Promise<Snapshot | undefined> {
  await fsp.mkdir(dir, { recursive: true });
  const files = await fsp.readdir(dir);
  for (const f of files) if (f.endsWith('.tmp')) await fsp.rm(path.join(dir, f));
  const snaps = files.filter((f) => SNAP_RE.test(f)).sort();
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
  try {
    return readSnapshot(new ByteReader(buf.subarray(4)));
  } catch (err) {
    throw corrupt('undecodable', err);
  }
}
