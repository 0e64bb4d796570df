import {
  RaftStorageError,
  StorageErrorCode,
  type Entry,
  type LogStorage,
  type Snapshot,
} from '../types.js';
import { Unstable } from './unstable.js';
import { limitSize } from './util.js';

/**
 * The log as the core sees it: durable storage plus the unstable tail, with
 * the commit and applied indexes (etcd's raftLog). Invariant:
 * applied ≤ committed ≤ lastIndex.
 */
export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(readonly storage: LogStorage) {
    const first = storage.firstIndex();
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  /** Index of the first entry still held (after the last snapshot). */
  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  /** Index of the last entry. */
  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of the last entry. */
  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of entry `i`, or undefined if compacted or beyond the log. */
  term(i: number): number | undefined {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof RaftStorageError) return undefined;
      throw e;
    }
  }

  /** True if entry `i` exists with term `t`. */
  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** §5.4.1: is a log ending at (lasti, term) at least as up to date as ours? */
  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  /** Appends (leader path). Throws if it would truncate committed entries. */
  append(ents: readonly Entry[]): number {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) {
      throw new Error(`raft: append at ${first.index} would overwrite committed ${this.committed}`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * Follower append (§5.3): if our entry at `index` has `logTerm`, merge
   * `ents` after it, truncating conflicts, advance commit to
   * min(committed, last new index), and return the last new index.
   */
  maybeAppend(
    index: number,
    logTerm: number,
    committed: number,
    ents: readonly Entry[],
  ): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed)
        throw new Error(`raft: conflict at ${ci} ≤ committed ${this.committed}`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** First index in `ents` whose term differs from ours (or is new), else 0. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * Largest index ≤ `index` whose term is ≤ `term` (used to skip a whole
   * conflicting term per rejection); returns [index, term at index].
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    let i = index;
    for (;;) {
      const t = this.term(i);
      if (t === undefined) return [i, 0];
      if (t <= term) return [i, t];
      i--;
    }
  }

  /** Raises the commit index (never lowers it). */
  commitTo(i: number): void {
    if (i <= this.committed) return;
    if (i > this.lastIndex()) throw new Error(`raft: commit ${i} beyond last ${this.lastIndex()}`);
    this.committed = i;
  }

  /**
   * §5.4.2: commits `maxIndex` only if its entry is from `term` (the leader's
   * current term); earlier-term entries commit indirectly.
   */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** Records that the state machine applied through `i`. */
  appliedTo(i: number): void {
    if (i === 0) return;
    if (i > this.committed || i < this.applied) {
      throw new Error(`raft: applied ${i} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = i;
  }

  /** Cheap test for `nextCommittedEnts().length > 0`. */
  hasNextCommittedEnts(): boolean {
    if (this.unstable.snapshot !== undefined) return false;
    return this.committed >= Math.max(this.applied + 1, this.firstIndex());
  }

  /** Committed entries not yet applied (none while a snapshot is pending). */
  nextCommittedEnts(): Entry[] {
    if (this.unstable.snapshot !== undefined) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    return this.slice(lo, this.committed + 1);
  }

  /** Entries from `lo` to the end, limited to about `maxBytes`. Throws if compacted. */
  entriesFrom(lo: number, maxBytes?: number): Entry[] {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  /** Entries in [lo, hi) from storage and the unstable tail. Throws Compacted if lo is gone. */
  slice(lo: number, hi: number, maxBytes?: number): Entry[] {
    if (lo < this.firstIndex()) throw new RaftStorageError(StorageErrorCode.Compacted);
    if (hi > this.lastIndex() + 1) throw new RaftStorageError(StorageErrorCode.Unavailable);
    if (lo === hi) return [];
    const off = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < off) out = this.storage.entries(lo, Math.min(hi, off), maxBytes);
    if (hi > off && (out.length === 0 || out[out.length - 1]?.index === Math.min(hi, off) - 1)) {
      out = out.concat(this.unstable.slice(Math.max(lo, off), hi));
    }
    return limitSize(out, maxBytes);
  }

  /** Installs a snapshot as the new log base (follower path). */
  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }

  /** The snapshot to send a lagging follower: pending one first, else storage's. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }
}
