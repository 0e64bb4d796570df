import { MemoryStorage } from '../core/memory-storage.js';
import type { ConfState, Entry, HardState, Snapshot } from '../types.js';

/** Writes of one Ready that are in the OS cache but not yet fsynced. */
export interface PendingWrite {
  snapshot?: Snapshot;
  entries: Entry[];
  hardState?: HardState;
}

/**
 * A simulated disk: what survives a crash. Writes reach it only through
 * `sync` (the sim's fsync); anything written to the in-memory MemoryStorage
 * but not synced is lost when the node crashes.
 */
export class DurableLog {
  hardState: HardState = { term: 0, vote: '', commit: 0 };
  snapshot: Snapshot;
  entries: Entry[] = [];

  constructor(conf: ConfState) {
    const meta = {
      index: 0,
      term: 0,
      confState: { voters: [...conf.voters], learners: [...conf.learners] },
    };
    this.snapshot = { meta, data: new Uint8Array(0) };
  }

  /** Makes `w` durable (in order: snapshot, entries, hard state). */
  sync(w: PendingWrite): void {
    if (w.snapshot !== undefined) {
      this.snapshot = w.snapshot;
      this.entries = [];
    }
    const first = w.entries[0];
    if (first !== undefined) {
      const keep = this.entries.filter((e) => e.index < first.index);
      const lastKept = keep[keep.length - 1]?.index ?? this.snapshot.meta.index;
      if (first.index > lastKept + 1) throw new Error(`durable: gap at ${first.index}`);
      this.entries = keep.concat(w.entries);
    }
    if (w.hardState !== undefined) this.hardState = { ...w.hardState };
  }

  /** Durably replaces the log prefix up to `snap.meta.index` with `snap` (atomic rename). */
  compact(snap: Snapshot): void {
    this.snapshot = snap;
    this.entries = this.entries.filter((e) => e.index > snap.meta.index);
  }

  /** Rebuilds an in-memory storage after a restart. */
  load(): MemoryStorage {
    const s = new MemoryStorage();
    s.applySnapshot(this.snapshot);
    s.append(this.entries);
    s.setHardState(this.hardState);
    return s;
  }
}
