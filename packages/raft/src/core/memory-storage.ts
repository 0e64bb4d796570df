import {
  RaftStorageError,
  StorageErrorCode,
  type ConfState,
  type Entry,
  type HardState,
  type InitialState,
  type LogStorage,
  type Snapshot,
} from '../types.js';
import { limitSize } from './util.js';

/**
 * In-memory `LogStorage` (etcd's MemoryStorage). Index 0 of the internal array
 * is a dummy entry holding the snapshot's index and term. Writers call
 * `append`, `applySnapshot`, `setHardState`, `createSnapshot` and `compact`
 * after handling a `Ready`; the core only reads. Not thread-safe (single loop).
 */
export class MemoryStorage implements LogStorage {
  private hardState: HardState = { term: 0, vote: '', commit: 0 };
  private snap: Snapshot = {
    meta: { index: 0, term: 0, confState: { voters: [], learners: [] } },
    data: new Uint8Array(0),
  };
  private ents: Entry[] = [{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }];

  /** A storage whose snapshot meta carries the initial membership (bootstrap). */
  static withConf(confState: ConfState): MemoryStorage {
    const s = new MemoryStorage();
    s.snap = { ...s.snap, meta: { ...s.snap.meta, confState: cloneConf(confState) } };
    return s;
  }

  /** @inheritDoc */
  initialState(): InitialState {
    return { hardState: { ...this.hardState }, confState: cloneConf(this.snap.meta.confState) };
  }

  /** Records the hard state; called when a `Ready` carries one. */
  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  /** @inheritDoc */
  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    const offset = this.dummy().index;
    if (lo <= offset) throw new RaftStorageError(StorageErrorCode.Compacted);
    if (hi > this.lastIndex() + 1) {
      throw new RaftStorageError(
        StorageErrorCode.Unavailable,
        `hi ${hi} > last ${this.lastIndex()}`,
      );
    }
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  /** @inheritDoc */
  term(i: number): number {
    const offset = this.dummy().index;
    if (i < offset) throw new RaftStorageError(StorageErrorCode.Compacted);
    const e = this.ents[i - offset];
    if (e === undefined) throw new RaftStorageError(StorageErrorCode.Unavailable);
    return e.term;
  }

  /** @inheritDoc */
  firstIndex(): number {
    return this.dummy().index + 1;
  }

  /** @inheritDoc */
  lastIndex(): number {
    return this.dummy().index + this.ents.length - 1;
  }

  /** @inheritDoc */
  snapshot(): Snapshot {
    return this.snap;
  }

  /**
   * Replaces the whole log with `snap` (a follower installing a leader's
   * snapshot). Throws SnapshotOutOfDate if it is older than the current one.
   */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index < this.snap.meta.index) {
      throw new RaftStorageError(StorageErrorCode.SnapshotOutOfDate);
    }
    this.snap = snap;
    this.ents = [
      { term: snap.meta.term, index: snap.meta.index, type: 'normal', data: new Uint8Array(0) },
    ];
  }

  /**
   * Makes a snapshot of the state machine at applied index `i` (≤ lastIndex),
   * without compacting. Throws SnapshotOutOfDate if i ≤ the current snapshot.
   */
  createSnapshot(i: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.meta.index) throw new RaftStorageError(StorageErrorCode.SnapshotOutOfDate);
    if (i > this.lastIndex()) throw new RaftStorageError(StorageErrorCode.Unavailable);
    const meta = { index: i, term: this.term(i), confState: cloneConf(confState) };
    this.snap = { meta, data };
    return this.snap;
  }

  /** Discards entries before `compactIndex` (which stays as the dummy). */
  compact(compactIndex: number): void {
    const offset = this.dummy().index;
    if (compactIndex <= offset) throw new RaftStorageError(StorageErrorCode.Compacted);
    if (compactIndex > this.lastIndex()) throw new RaftStorageError(StorageErrorCode.Unavailable);
    const head = this.ents[compactIndex - offset];
    if (head === undefined) throw new RaftStorageError(StorageErrorCode.Unavailable);
    const dummy: Entry = {
      term: head.term,
      index: head.index,
      type: 'normal',
      data: new Uint8Array(0),
    };
    this.ents = [dummy, ...this.ents.slice(compactIndex - offset + 1)];
  }

  /**
   * Appends entries, truncating any conflicting suffix. Entries already
   * compacted are ignored. Throws if the batch would leave a gap.
   */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const offset = this.dummy().index;
    const fresh = entries.filter((e) => e.index > offset);
    const head = fresh[0];
    if (head === undefined) return;
    if (head.index > this.lastIndex() + 1) {
      throw new RaftStorageError(
        StorageErrorCode.Unavailable,
        `gap: ${head.index} > ${this.lastIndex() + 1}`,
      );
    }
    this.ents = [...this.ents.slice(0, head.index - offset), ...fresh];
  }

  private dummy(): Entry {
    const d = this.ents[0];
    if (d === undefined) throw new Error('MemoryStorage: missing dummy entry');
    return d;
  }
}

function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}
