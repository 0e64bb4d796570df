import { describe, expect, it } from 'vitest';
import { RaftStorageError, type Entry } from '../types.js';
import { MemoryStorage } from './memory-storage.js';

const e = (index: number, term: number): Entry => ({
  index,
  term,
  type: 'normal',
  data: new Uint8Array(4),
});
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    if (err instanceof RaftStorageError) return err.code;
    throw err;
  }
  return undefined;
};

function storage(): MemoryStorage {
  const s = MemoryStorage.withConf({ voters: ['a'], learners: [] });
  s.append([e(1, 1), e(2, 1), e(3, 2), e(4, 3), e(5, 3)]);
  return s;
}

describe('MemoryStorage (etcd storage_test)', () => {
  it('reports bounds and terms, including the term of the compaction point', () => {
    const s = storage();
    expect([s.firstIndex(), s.lastIndex(), s.term(0), s.term(3), s.term(5)]).toEqual([
      1, 5, 0, 2, 3,
    ]);
    s.compact(3);
    expect([s.firstIndex(), s.lastIndex(), s.term(3)]).toEqual([4, 5, 2]);
    expect(code(() => s.term(2))).toBe('compacted');
    expect(code(() => s.term(6))).toBe('unavailable');
  });

  it('returns entries in [lo, hi), at least one even when over maxBytes', () => {
    const s = storage();
    expect(s.entries(2, 5).map((x) => x.index)).toEqual([2, 3, 4]);
    expect(s.entries(2, 5, 1).map((x) => x.index)).toEqual([2]);
    expect(s.entries(2, 5, 56).map((x) => x.index)).toEqual([2, 3]);
    expect(code(() => s.entries(2, 7))).toBe('unavailable');
    s.compact(2);
    expect(code(() => s.entries(2, 4))).toBe('compacted');
  });

  it('append truncates a conflicting suffix and ignores compacted entries', () => {
    const s = storage();
    s.append([e(3, 4), e(4, 4)]);
    expect(s.lastIndex()).toBe(4);
    expect(s.term(3)).toBe(4);
    s.compact(3);
    s.append([e(2, 4), e(3, 4), e(4, 4), e(5, 4)]);
    expect([s.firstIndex(), s.lastIndex(), s.term(5)]).toEqual([4, 5, 4]);
    expect(code(() => s.append([e(9, 4)]))).toBe('unavailable');
  });

  it('creates snapshots at applied indexes and installs snapshots from leaders', () => {
    const s = storage();
    const snap = s.createSnapshot(4, { voters: ['a', 'b'], learners: [] }, new Uint8Array([7]));
    expect(snap.meta).toEqual({
      index: 4,
      term: 3,
      confState: { voters: ['a', 'b'], learners: [] },
    });
    expect(code(() => s.createSnapshot(3, { voters: [], learners: [] }, new Uint8Array()))).toBe(
      'snapshot-out-of-date',
    );
    const t = MemoryStorage.withConf({ voters: ['a'], learners: [] });
    t.applySnapshot(snap);
    expect([t.firstIndex(), t.lastIndex(), t.term(4)]).toEqual([5, 4, 3]);
    expect(t.initialState().confState.voters).toEqual(['a', 'b']);
    expect(code(() => t.applySnapshot({ ...snap, meta: { ...snap.meta, index: 2 } }))).toBe(
      'snapshot-out-of-date',
    );
  });

  it('keeps the hard state it is given', () => {
    const s = storage();
    s.setHardState({ term: 3, vote: 'a', commit: 4 });
    expect(s.initialState().hardState).toEqual({ term: 3, vote: 'a', commit: 4 });
  });
});
