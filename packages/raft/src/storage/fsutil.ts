import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/**
 * fsyncs a directory so that file creations, renames and deletions inside it
 * survive a crash (a file's own fsync does not cover its directory entry).
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to `dir/name` atomically: a temp file is written and fsynced,
 * renamed over the target, then the directory is fsynced. A crash leaves
 * either the old file or the new one, plus possibly a `*.tmp` to delete.
 */
export async function writeFileAtomic(dir: string, name: string, data: Uint8Array): Promise<void> {
  const tmp = path.join(dir, `${name}.tmp`);
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, path.join(dir, name));
  await fsyncDir(dir);
}

/** Hex with 16 digits, so lexical order of file names equals numeric order. */
export function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}
