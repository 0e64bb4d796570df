import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfState, Entry } from '../types.js';
import { StorageFaultError } from './errors.js';
import { FileStorage } from './file-storage.js';
import { ent } from './storage.contract.js';

const CONF: ConfState = { voters: ['a', 'b', 'c'], learners: [] };
let dir: string;
const open = (segmentBytes = 64 * 1024): Promise<FileStorage> =>
  FileStorage.open(dir, { initialConf: CONF, segmentBytes });
const walFiles = (): string[] => readdirSync(path.join(dir, 'wal')).sort();
const lastWal = (): string => path.join(dir, 'wal', walFiles().at(-1) as string);
const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ent(from + i, term));

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'raft-rec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileStorage recovery', () => {
  it('restores entries, overwrites and hard state after a restart', async () => {
    const s = await open();
    await s.save({ term: 1, vote: 'a', commit: 0 }, range(1, 5, 1));
    await s.save({ term: 2, vote: 'b', commit: 3 }, range(4, 6, 2));
    await s.close();
    const r = await open();
    expect(r.initialState()).toEqual({
      hardState: { term: 2, vote: 'b', commit: 3 },
      confState: CONF,
    });
    expect(r.entries(1, 7)).toEqual([...range(1, 3, 1), ...range(4, 6, 2)]);
    expect(r.openReport.truncatedTail).toBeUndefined();
    await r.close();
  });

  it('cuts a torn tail (a partially written last record) and keeps appending', async () => {
    const s = await open();
    await s.save(undefined, range(1, 3, 1));
    await s.close();
    const file = lastWal();
    const full = readFileSync(file);
    writeFileSync(file, full.subarray(0, full.length - 5)); // crash in the middle of entry 3
    const r = await open();
    expect(r.lastIndex()).toBe(2);
    expect(r.openReport.truncatedTail).toEqual({ file, offset: expect.any(Number) });
    expect(statSync(file).size).toBe(r.openReport.truncatedTail?.offset);
    await r.save(undefined, range(3, 4, 2));
    await r.close();
    const again = await open();
    expect(again.entries(1, 5)).toEqual([...range(1, 2, 1), ...range(3, 4, 2)]);
    await again.close();
  });

  it('refuses to open when a record in the middle of the log is damaged', async () => {
    const s = await open();
    for (let i = 1; i <= 5; i++) await s.save(undefined, range(i, i, 1));
    await s.close();
    const file = lastWal();
    const buf = readFileSync(file);
    buf[buf.length - 40] = (buf[buf.length - 40] as number) ^ 0x55; // inside entry 4 or 5's predecessor
    writeFileSync(file, buf);
    const err = await open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFaultError);
    expect(err).toMatchObject({ code: 'wal-corrupt', file });
    expect((err as StorageFaultError).offset).toBeGreaterThan(0);
    expect(readFileSync(file)).toEqual(buf); // nothing was truncated
  });

  it('refuses damage in a segment that is not the last one', async () => {
    const s = await open(512);
    for (let i = 1; i <= 40; i++) await s.save(undefined, range(i, i, 1));
    await s.close();
    const first = path.join(dir, 'wal', walFiles()[0] as string);
    const buf = readFileSync(first);
    writeFileSync(first, buf.subarray(0, buf.length - 3));
    await expect(open(512)).rejects.toMatchObject({ code: 'wal-corrupt', file: first });
  });

  it('rolls over to segments named by first index and replays across them', async () => {
    const s = await open(512);
    for (let i = 1; i <= 60; i++)
      await s.save({ term: 1, vote: 'a', commit: i - 1 }, range(i, i, 1));
    const names = walFiles();
    expect(names.length).toBeGreaterThan(3);
    const firsts = names.map((n) => parseInt(n.slice(17, 33), 16));
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    await s.close();
    const r = await open(512);
    expect(r.lastIndex()).toBe(60);
    expect(r.entries(1, 61)).toEqual(range(1, 60, 1));
    expect(r.initialState().hardState.commit).toBe(59);
    await r.close();
  });

  it('drops old segments after snapshot + compact and recovers from the snapshot', async () => {
    const s = await open(512);
    for (let i = 1; i <= 60; i++) await s.save({ term: 1, vote: 'a', commit: i }, range(i, i, 1));
    const before = walFiles().length;
    await s.createSnapshot(50, CONF, new TextEncoder().encode('state@50'));
    await s.compact(50);
    const after = walFiles();
    expect(after.length).toBeLessThan(before);
    expect(parseInt((after[1] ?? 'f'.repeat(33)).slice(17, 33), 16)).toBeGreaterThan(50);
    expect(readdirSync(path.join(dir, 'snap'))).toEqual([
      `${(50).toString(16).padStart(16, '0')}.snap`,
    ]);
    await s.close();
    const r = await open(512);
    expect(r.firstIndex()).toBe(51);
    expect(r.snapshot().meta).toEqual({ index: 50, term: 1, confState: CONF });
    expect(new TextDecoder().decode(r.snapshot().data)).toBe('state@50');
    expect(r.entries(51, 61)).toEqual(range(51, 60, 1));
    expect(r.initialState().hardState.commit).toBe(60);
    await r.close();
  });

  it('a snapshot from the leader never lets stale entries come back after restart', async () => {
    const s = await open();
    await s.save(undefined, range(1, 10, 1));
    await s.saveSnapshot({
      meta: { index: 8, term: 3, confState: CONF },
      data: new Uint8Array([8]),
    });
    await s.save(undefined, range(9, 9, 3));
    await s.close();
    const r = await open();
    expect(r.firstIndex()).toBe(9);
    expect(r.lastIndex()).toBe(9);
    expect(r.term(9)).toBe(3);
    await r.close();
  });

  it('refuses a snapshot file that does not verify', async () => {
    const s = await open();
    await s.save(undefined, range(1, 4, 1));
    await s.createSnapshot(3, CONF, new Uint8Array([1, 2, 3, 4]));
    await s.close();
    const snapFile = path.join(dir, 'snap', readdirSync(path.join(dir, 'snap'))[0] as string);
    const buf = readFileSync(snapFile);
    buf[buf.length - 1] = 0xee;
    writeFileSync(snapFile, buf);
    await expect(open()).rejects.toMatchObject({ code: 'snapshot-corrupt', file: snapFile });
  });

  it('a local snapshot written while appends go on recovers with every entry', async () => {
    const s = await open(512);
    await s.save(undefined, range(1, 20, 1));
    const big = new Uint8Array(256 * 1024).fill(5);
    const snap = s.createSnapshot(15, CONF, big);
    const saves = [21, 22, 23, 24].map((i) =>
      s.save({ term: 1, vote: 'a', commit: i }, range(i, i, 1)),
    );
    await Promise.all([snap, ...saves]);
    await s.compact(15);
    await s.close();
    const r = await open(512);
    expect(r.snapshot().meta.index).toBe(15);
    expect(r.snapshot().data).toEqual(big);
    expect(r.entries(16, 25)).toEqual(range(16, 24, 1));
    expect(r.initialState().hardState.commit).toBe(24);
    await r.close();
  });

  it("a leader's newer snapshot wins over a local one racing with it", async () => {
    const s = await open();
    await s.save(undefined, range(1, 10, 1));
    const local = s.createSnapshot(5, CONF, new Uint8Array([5]));
    const remote = s.saveSnapshot({
      meta: { index: 30, term: 2, confState: CONF },
      data: new Uint8Array([30]),
    });
    const [l, r] = await Promise.allSettled([local, remote]);
    expect(r.status).toBe('fulfilled');
    if (l.status === 'rejected') expect(l.reason).toMatchObject({ code: 'snapshot-out-of-date' });
    expect(s.snapshot().meta.index).toBe(30);
    await s.close();
    const again = await open();
    expect(again.snapshot().meta.index).toBe(30);
    expect(again.lastIndex()).toBe(30);
    await again.close();
  });
});
