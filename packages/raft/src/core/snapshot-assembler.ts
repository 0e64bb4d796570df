import type { Snapshot, SnapshotMeta } from '../types.js';

/** Outcome of feeding one MsgSnap chunk to the assembler. */
export type ChunkResult =
  { kind: 'need'; offset: number; reject: boolean } | { kind: 'complete'; snapshot: Snapshot };

/**
 * Follower-side reassembly of a snapshot streamed in chunks. A chunk at
 * offset 0 starts a new assembly; a chunk for another snapshot or at an
 * unexpected offset is refused with the offset we need, so the leader
 * restarts from there (from 0 if we hold nothing for that snapshot).
 */
export class SnapshotAssembler {
  private meta: SnapshotMeta | undefined;
  private parts: Uint8Array[] = [];
  private size = 0;

  /** Feeds a chunk; `done` marks the final one. */
  add(meta: SnapshotMeta, offset: number, data: Uint8Array, done: boolean): ChunkResult {
    if (offset === 0) this.start(meta);
    else if (!this.matches(meta)) return { kind: 'need', offset: 0, reject: true };
    else if (offset !== this.size) return { kind: 'need', offset: this.size, reject: true };
    this.parts.push(data);
    this.size += data.byteLength;
    if (!done) return { kind: 'need', offset: this.size, reject: false };
    const snapshot = { meta, data: concat(this.parts, this.size) };
    this.clear();
    return { kind: 'complete', snapshot };
  }

  /** Drops any partial snapshot. */
  clear(): void {
    this.meta = undefined;
    this.parts = [];
    this.size = 0;
  }

  private start(meta: SnapshotMeta): void {
    this.clear();
    this.meta = meta;
  }

  private matches(meta: SnapshotMeta): boolean {
    return (
      this.meta !== undefined && this.meta.index === meta.index && this.meta.term === meta.term
    );
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
