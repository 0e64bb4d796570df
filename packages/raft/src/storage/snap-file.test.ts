import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../types.js';
import { ByteWriter } from './bytes.js';
import { writeSnapshot } from './codec.js';
import { crc32 } from './crc32.js';
import { readLatestSnapFile, writeSnapFile } from './snap-file.js';
import { testCipher } from './test-cipher.js';

const SNAP: Snapshot = {
  meta: { index: 7, term: 2, confState: { voters: ['a'], learners: [] } },
  data: new TextEncoder().encode('state@7'),
};
let dir: string;
const onlyFile = (): string => path.join(dir, readdirSync(dir)[0] as string);

/** Frames `body` as a snapshot file: `u32le crc32 | body`. */
function frame(body: Uint8Array): Buffer {
  const buf = Buffer.concat([Buffer.alloc(4), body]);
  buf.writeUInt32LE(crc32(buf.subarray(4)), 0);
  return buf;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'raft-snap-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('snapshot files', () => {
  it('reads a file of the first format (no flags byte) as plaintext', async () => {
    const w = new ByteWriter();
    writeSnapshot(w, SNAP);
    writeFileSync(path.join(dir, '0000000000000007.snap'), frame(w.finish()));
    expect(await readLatestSnapFile(dir, testCipher())).toEqual({ snapshot: SNAP, sealed: false });
  });

  it('round-trips plain and sealed files; sealed data is not in the file', async () => {
    await writeSnapFile(dir, SNAP);
    expect(await readLatestSnapFile(dir)).toEqual({ snapshot: SNAP, sealed: false });
    const cipher = testCipher();
    await writeSnapFile(dir, { ...SNAP, meta: { ...SNAP.meta, index: 8 } }, cipher);
    expect(readdirSync(dir)).toEqual(['0000000000000008.snap']);
    expect(readFileSync(onlyFile()).includes('state@7')).toBe(false);
    const read = await readLatestSnapFile(dir, cipher);
    expect(read?.sealed).toBe(true);
    expect(read?.snapshot.data).toEqual(SNAP.data);
    expect(read?.snapshot.meta.index).toBe(8);
  });

  it('refuses unknown flags as corruption and sealed data without its key as sealed', async () => {
    const w = new ByteWriter();
    writeSnapshot(w, SNAP);
    w.u8(0x80);
    writeFileSync(path.join(dir, '0000000000000007.snap'), frame(w.finish()));
    await expect(readLatestSnapFile(dir)).rejects.toMatchObject({ code: 'snapshot-corrupt' });
    await writeSnapFile(dir, { ...SNAP, meta: { ...SNAP.meta, index: 9 } }, testCipher());
    await expect(readLatestSnapFile(dir)).rejects.toMatchObject({ code: 'sealed' });
    await expect(readLatestSnapFile(dir, testCipher())).rejects.toMatchObject({ code: 'sealed' });
  });
});
