import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfState, Entry } from '../types.js';
import type { PayloadCipher } from './cipher.js';
import { crc32 } from './crc32.js';
import { StorageFaultError } from './errors.js';
import { FileStorage } from './file-storage.js';
import { HEADER_BYTES, RecordType, scanRecords } from './record.js';
import { ent } from './storage.contract.js';
import { testCipher } from './test-cipher.js';

const CONF: ConfState = { voters: ['a', 'b', 'c'], learners: [] };
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
let dir: string;
let marker: string;
const open = (cipher?: PayloadCipher, segmentBytes = 64 * 1024): Promise<FileStorage> =>
  FileStorage.open(dir, { initialConf: CONF, segmentBytes, ...(cipher ? { cipher } : {}) });
const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ent(from + i, term));
const secret = (index: number, term: number): Entry => ({
  index,
  term,
  type: 'normal',
  data: enc(`${marker}/entry${index}`),
});

/** Every file under the data directory with its raw bytes, by relative path. */
function files(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const sub of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = path.join(dir, sub);
    if (statSync(p).isFile()) out.set(sub, readFileSync(p));
  }
  return out;
}

/** Files whose raw bytes contain `s`. */
function filesContaining(s: string): string[] {
  return [...files()].filter(([, buf]) => buf.includes(s)).map(([name]) => name);
}

const lastWal = (): string => {
  const names = readdirSync(path.join(dir, 'wal')).sort();
  return path.join(dir, 'wal', names.at(-1) as string);
};

async function openError(cipher?: PayloadCipher): Promise<StorageFaultError> {
  const err = await open(cipher).then(
    async (s) => {
      await s.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageFaultError);
  return err as StorageFaultError;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'raft-enc-'));
  marker = `TOPSECRET-${randomBytes(8).toString('hex')}`;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileStorage encryption at rest', () => {
  it('writes no entry or snapshot payload in the clear, and reopens with the key', async () => {
    const cipher = testCipher();
    const s = await open(cipher);
    const conf: Entry = { index: 3, term: 1, type: 'conf-change', data: enc(`${marker}/conf`) };
    const noop: Entry = { index: 4, term: 2, type: 'normal', data: new Uint8Array(0) };
    await s.save({ term: 2, vote: 'a', commit: 2 }, [secret(1, 1), secret(2, 1), conf, noop]);
    await s.save({ term: 2, vote: 'a', commit: 5 }, [secret(5, 2), secret(6, 2)]);
    await s.createSnapshot(2, CONF, enc(`${marker}/snapshot@2`));
    await s.close();
    expect(files().size).toBeGreaterThan(1);
    expect(filesContaining(marker)).toEqual([]);

    const r = await open(cipher);
    // Entries up to the snapshot are replaced by it on replay; the rest come back opened.
    expect(r.firstIndex()).toBe(3);
    expect(r.entries(3, 7)).toEqual([conf, noop, secret(5, 2), secret(6, 2)]);
    expect(dec(r.snapshot().data)).toBe(`${marker}/snapshot@2`);
    expect(r.initialState().hardState).toEqual({ term: 2, vote: 'a', commit: 5 });
    expect(r.openReport).toEqual({});
    await r.close();
  });

  it("seals a leader's snapshot installed with saveSnapshot", async () => {
    const cipher = testCipher();
    const s = await open(cipher);
    await s.save(undefined, range(1, 3, 1));
    await s.saveSnapshot({ meta: { index: 9, term: 2, confState: CONF }, data: enc(marker) });
    await s.close();
    expect(filesContaining(marker)).toEqual([]);
    const r = await open(cipher);
    expect(r.snapshot().meta.index).toBe(9);
    expect(dec(r.snapshot().data)).toBe(marker);
    await r.close();
  });

  it('refuses to open sealed data without a cipher, changing no file', async () => {
    const s = await open(testCipher());
    await s.save(undefined, [secret(1, 1)]);
    await s.close();
    const before = files();
    const err = await openError();
    expect(err.code).toBe('sealed');
    expect(err.message).toMatch(/the Raft log is encrypted.*run swarmlet unlock/);
    expect(files()).toEqual(before);
  });

  it('a freshly bootstrapped sealed directory (only the empty snapshot) also needs the key', async () => {
    await (await open(testCipher())).close();
    expect(await openError()).toMatchObject({
      code: 'sealed',
      file: expect.stringMatching(/\.snap$/),
    });
  });

  it('refuses the wrong key, even with a torn tail to repair, changing no file', async () => {
    const s = await open(testCipher());
    await s.save(undefined, [secret(1, 1), secret(2, 1), secret(3, 1)]);
    await s.close();
    const file = lastWal();
    const full = readFileSync(file);
    writeFileSync(file, full.subarray(0, full.length - 7));
    const before = files();
    const err = await openError(testCipher());
    expect(err.code).toBe('sealed');
    expect(err.message).toMatch(/does not open with this manager's data key/);
    expect(err.cause).toBeInstanceOf(Error);
    expect(files()).toEqual(before);
  });

  it('a sealed last record that fails to open is not a torn tail: nothing is cut', async () => {
    const cipher = testCipher();
    const s = await open(cipher);
    await s.save(undefined, [secret(1, 1), secret(2, 1)]);
    await s.close();
    // Alter the last entry's ciphertext and re-frame it with a valid CRC (tampering, not a torn write).
    const file = lastWal();
    const buf = readFileSync(file);
    const last = scanRecords(buf, file, false).records.at(-1);
    expect(last?.type).toBe(RecordType.SealedEntry);
    const at = (last?.offset ?? 0) + HEADER_BYTES;
    buf[buf.length - 1] = (buf[buf.length - 1] as number) ^ 0x01;
    buf.writeUInt32LE(crc32(buf.subarray(at)), at - 4);
    writeFileSync(file, buf);
    const err = await openError(cipher);
    expect(err).toMatchObject({ code: 'sealed', file, offset: last?.offset });
    expect(readFileSync(file)).toEqual(buf);
  });

  it('recovers a torn tail with a cipher as without one', async () => {
    const cipher = testCipher();
    const s = await open(cipher);
    await s.save(undefined, [secret(1, 1), secret(2, 1), secret(3, 1)]);
    await s.close();
    const file = lastWal();
    const full = readFileSync(file);
    writeFileSync(file, full.subarray(0, full.length - 5)); // crash in the middle of entry 3
    const r = await open(cipher);
    expect(r.lastIndex()).toBe(2);
    expect(r.openReport.truncatedTail).toEqual({ file, offset: expect.any(Number) });
    expect(statSync(file).size).toBe(r.openReport.truncatedTail?.offset);
    await r.save(undefined, [secret(3, 2)]);
    await r.close();
    const again = await open(cipher);
    expect(again.entries(1, 4)).toEqual([secret(1, 1), secret(2, 1), secret(3, 2)]);
    await again.close();
    expect(filesContaining(marker)).toEqual([]);
  });

  it('upgrades a plaintext directory: old data stays readable, new data is sealed', async () => {
    const plain = await open(undefined, 512);
    await plain.save({ term: 1, vote: 'a', commit: 2 }, [secret(1, 1), secret(2, 1)]);
    await plain.createSnapshot(1, CONF, enc(`${marker}/old-snapshot`));
    await plain.close();
    expect(filesContaining(marker).length).toBeGreaterThan(0); // the grep does see plaintext

    const cipher = testCipher();
    const s = await open(cipher, 512);
    expect(s.openReport.plaintext).toEqual({ entries: 2, snapshot: true });
    expect(s.entries(2, 3)).toEqual([secret(2, 1)]);
    expect(dec(s.snapshot().data)).toBe(`${marker}/old-snapshot`);
    const fresh = { index: 3, term: 2, type: 'normal', data: enc('NEW-SECRET') } as const;
    await s.save({ term: 2, vote: 'a', commit: 3 }, [fresh]);
    expect(filesContaining('NEW-SECRET')).toEqual([]);
    await s.close();

    // Mixed state: the sealed records now need the key.
    expect(await openError()).toMatchObject({ code: 'sealed' });

    const r = await open(cipher, 512);
    expect(r.entries(2, 4)).toEqual([secret(2, 1), fresh]);
    // A snapshot past the upgrade and compaction leave no plaintext behind.
    await r.createSnapshot(3, CONF, enc(`${marker}/new-snapshot`));
    await r.compact(3);
    await r.close();
    expect(filesContaining(marker)).toEqual([]);
    const done = await open(cipher, 512);
    expect(done.openReport.plaintext).toBeUndefined();
    expect(dec(done.snapshot().data)).toBe(`${marker}/new-snapshot`);
    await done.close();
  });

  it('replays across many sealed segments', async () => {
    const cipher = testCipher();
    const s = await open(cipher, 512);
    for (let i = 1; i <= 40; i++) await s.save({ term: 1, vote: 'a', commit: i }, [secret(i, 1)]);
    expect(s.segments.length).toBeGreaterThan(3);
    await s.close();
    const r = await open(cipher, 512);
    expect(r.entries(1, 41)).toEqual(range(1, 40, 1).map((e) => secret(e.index, 1)));
    await r.close();
    expect(filesContaining(marker)).toEqual([]);
  });
});
