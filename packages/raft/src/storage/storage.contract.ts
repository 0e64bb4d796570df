import { describe, expect, it } from 'vitest';
import { RaftStorageError, type ConfState, type Entry } from '../types.js';
import { StorageFaultError } from './errors.js';
import type { RaftStorage } from './storage.js';

/** Creates a fresh, empty storage bootstrapped with `conf`; `dispose` cleans up after a test. */
export interface StorageHarness {
  create(conf: ConfState): Promise<RaftStorage>;
  dispose(): Promise<void>;
}

const CONF: ConfState = { voters: ['a', 'b', 'c'], learners: ['d'] };

/** An entry of `term` at `index` whose data names both, so mix-ups are visible. */
export function ent(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(`e${index}t${term}`) };
}

function ents(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(ent(i, term));
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof RaftStorageError) return err.code;
    throw err;
  }
  return undefined;
}

/**
 * The `RaftStorage` contract, run against every implementation (hono's
 * common.case.test.ts pattern): each implementation's test file calls this
 * with a harness, and must pass every case unchanged.
 */
export function runStorageContract(name: string, makeHarness: () => StorageHarness): void {
  describe(`RaftStorage contract: ${name}`, () => {
    async function withStorage(fn: (s: RaftStorage) => Promise<void>): Promise<void> {
      const h = makeHarness();
      const s = await h.create(CONF);
      try {
        await fn(s);
      } finally {
        await s.close();
        await h.dispose();
      }
    }

    it('starts empty with the bootstrap membership', () =>
      withStorage(async (s) => {
        expect(s.firstIndex()).toBe(1);
        expect(s.lastIndex()).toBe(0);
        expect(s.term(0)).toBe(0);
        expect(s.initialState()).toEqual({
          hardState: { term: 0, vote: '', commit: 0 },
          confState: CONF,
        });
      }));

    it('save persists entries and hard state, visible to reads', () =>
      withStorage(async (s) => {
        await s.save({ term: 2, vote: 'b', commit: 3 }, [...ents(1, 2, 1), ...ents(3, 5, 2)]);
        expect(s.lastIndex()).toBe(5);
        expect(s.term(2)).toBe(1);
        expect(s.term(4)).toBe(2);
        expect(s.entries(2, 5)).toEqual([ent(2, 1), ent(3, 2), ent(4, 2)]);
        expect(s.initialState().hardState).toEqual({ term: 2, vote: 'b', commit: 3 });
      }));

    it('an entry at an existing index replaces the conflicting suffix', () =>
      withStorage(async (s) => {
        await s.save(undefined, ents(1, 6, 1));
        await s.save({ term: 3, vote: 'c', commit: 2 }, ents(4, 4, 3));
        expect(s.lastIndex()).toBe(4);
        expect(s.entries(1, 5)).toEqual([ent(1, 1), ent(2, 1), ent(3, 1), ent(4, 3)]);
      }));

    it('refuses a batch that leaves a gap', () =>
      withStorage(async (s) => {
        await s.save(undefined, ents(1, 2, 1));
        await expect(s.save(undefined, ents(4, 5, 1))).rejects.toBeInstanceOf(RaftStorageError);
        expect(s.lastIndex()).toBe(2);
        await s.save(undefined, ents(3, 3, 1));
        expect(s.lastIndex()).toBe(3);
      }));

    it('bounds entries() by maxBytes but returns at least one', () =>
      withStorage(async (s) => {
        await s.save(undefined, ents(1, 10, 1));
        expect(s.entries(1, 11, 1)).toHaveLength(1);
        expect(s.entries(1, 11).map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(codeOf(() => s.entries(1, 12))).toBe('unavailable');
        expect(codeOf(() => s.term(11))).toBe('unavailable');
      }));

    it('createSnapshot keeps the log; compact drops entries up to the snapshot', () =>
      withStorage(async (s) => {
        await s.save(undefined, ents(1, 10, 1));
        const snap = await s.createSnapshot(6, CONF, new Uint8Array([1, 2, 3]));
        expect(snap.meta).toEqual({ index: 6, term: 1, confState: CONF });
        expect(s.snapshot().data).toEqual(new Uint8Array([1, 2, 3]));
        expect(s.firstIndex()).toBe(1);
        await s.compact(6);
        expect(s.firstIndex()).toBe(7);
        expect(s.term(6)).toBe(1);
        expect(codeOf(() => s.entries(6, 8))).toBe('compacted');
        expect(s.entries(7, 11)).toHaveLength(4);
        await s.compact(6); // idempotent
        expect(s.firstIndex()).toBe(7);
      }));

    it('refuses to compact past the snapshot or to snapshot backwards', () =>
      withStorage(async (s) => {
        await s.save(undefined, ents(1, 10, 1));
        await expect(s.compact(3)).rejects.toBeInstanceOf(RaftStorageError);
        await s.createSnapshot(5, CONF, new Uint8Array());
        await expect(s.createSnapshot(4, CONF, new Uint8Array())).rejects.toMatchObject({
          code: 'snapshot-out-of-date',
        });
        await expect(s.createSnapshot(11, CONF, new Uint8Array())).rejects.toMatchObject({
          code: 'unavailable',
        });
        expect(s.firstIndex()).toBe(1);
      }));

    it('saveSnapshot replaces the whole log and rejects older snapshots', () =>
      withStorage(async (s) => {
        await s.save(undefined, ents(1, 8, 1));
        const conf: ConfState = { voters: ['a', 'b'], learners: [] };
        await s.saveSnapshot({
          meta: { index: 20, term: 4, confState: conf },
          data: new Uint8Array([9]),
        });
        expect(s.firstIndex()).toBe(21);
        expect(s.lastIndex()).toBe(20);
        expect(s.term(20)).toBe(4);
        expect(s.initialState().confState).toEqual(conf);
        await s.save({ term: 4, vote: '', commit: 21 }, ents(21, 22, 4));
        expect(s.lastIndex()).toBe(22);
        const old = { meta: { index: 10, term: 2, confState: conf }, data: new Uint8Array() };
        await expect(s.saveSnapshot(old)).rejects.toMatchObject({ code: 'snapshot-out-of-date' });
      }));

    it('ignores entries at or below the snapshot index', () =>
      withStorage(async (s) => {
        await s.saveSnapshot({
          meta: { index: 5, term: 2, confState: CONF },
          data: new Uint8Array(),
        });
        await s.save(undefined, [...ents(4, 5, 2), ...ents(6, 7, 2)]);
        expect(s.firstIndex()).toBe(6);
        expect(s.lastIndex()).toBe(7);
      }));

    it('refuses writes after close', async () => {
      const h = makeHarness();
      const s = await h.create(CONF);
      await s.close();
      await expect(s.save(undefined, ents(1, 1, 1))).rejects.toBeInstanceOf(StorageFaultError);
      await h.dispose();
    });
  });
}
