import type { ConfState, Entry, HardState, LogStorage, Snapshot } from '../types.js';

/**
 * A Raft log the driver can write: the core's read-side `LogStorage` plus the
 * durable writes a `Ready` requires. Every returned promise resolves only once
 * the change is durable (for disk storage: fsynced), and the read side reflects
 * it from then on. Calls must not overlap; implementations also serialize
 * internally. After a failed write the storage refuses further writes.
 */
export interface RaftStorage extends LogStorage {
  /**
   * Persists `entries` (an entry at index i replaces any stored entries ≥ i)
   * and then `hardState` if given. Entries at or below the snapshot index are
   * ignored; a batch that would leave a gap throws.
   */
  save(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void>;
  /**
   * Installs a snapshot received from the leader: it replaces the whole log.
   * Throws `RaftStorageError('snapshot-out-of-date')` if older than the current one.
   */
  saveSnapshot(snap: Snapshot): Promise<void>;
  /**
   * Records a snapshot of the local state machine at applied index `index`
   * (firstIndex ≤ index ≤ lastIndex, > current snapshot index); the log is kept.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot>;
  /**
   * Discards entries ≤ `index`, which must not exceed the current snapshot's
   * index; `term(index)` stays readable. Disk storage also deletes WAL
   * segments that only hold discarded entries.
   */
  compact(index: number): Promise<void>;
  /** Releases files; any later write throws. Idempotent. */
  close(): Promise<void>;
}

/**
 * Runs async operations one at a time in call order. Used by storages so that
 * an accidental overlapping call cannot interleave two WAL writes.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every previously queued operation has settled. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
