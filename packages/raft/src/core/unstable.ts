import type { Entry, Snapshot } from '../types.js';

/**
 * Entries and snapshot not yet handed to durable storage (etcd's unstable).
 * `entries[i]` has index `offset + i`. Everything here is returned in the next
 * `Ready` and dropped by `stableTo`/`stableSnapTo` once the driver persisted it.
 */
export class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];

  constructor(public offset: number) {}

  /** First index if a snapshot is pending, else undefined. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.meta.index + 1;
  }

  /** Last index held here (entry or snapshot), else undefined. */
  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.meta.index;
  }

  /** Term of entry `i` if this buffer knows it. */
  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      return this.snapshot !== undefined && this.snapshot.meta.index === i
        ? this.snapshot.meta.term
        : undefined;
    }
    return this.entries[i - this.offset]?.term;
  }

  /** Drops entries up to `i` once they are durable, if `i` still has term `t`. */
  stableTo(i: number, t: number): void {
    if (this.maybeTerm(i) !== t || i < this.offset) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  /** Forgets the pending snapshot once it is durable. */
  stableSnapTo(i: number): void {
    if (this.snapshot !== undefined && this.snapshot.meta.index === i) this.snapshot = undefined;
  }

  /** Replaces everything with a snapshot to persist. */
  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  /** Appends `ents`, truncating any conflicting suffix (possibly below `offset`). */
  truncateAndAppend(ents: readonly Entry[]): void {
    const first = ents[0];
    if (first === undefined) return;
    const after = first.index;
    if (after === this.offset + this.entries.length) {
      this.entries.push(...ents);
    } else if (after <= this.offset) {
      this.offset = after;
      this.entries = [...ents];
    } else {
      this.entries = [...this.entries.slice(0, after - this.offset), ...ents];
    }
  }

  /** Entries in [lo, hi), which must lie within this buffer. */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
