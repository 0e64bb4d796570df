import type { ConfState, Entry, EntryType, HardState, Snapshot, SnapshotMeta } from '../types.js';
import { type ByteReader, ByteWriter, DecodeError } from './bytes.js';

/**
 * Binary encodings of the Raft records that reach disk or the wire. Decoded
 * entry data is copied; snapshot data is a view into the input buffer, so
 * callers that keep it must not mutate that buffer.
 */

const ENTRY_TYPE_CODE: Record<EntryType, number> = { normal: 0, 'conf-change': 1 };
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf-change'];

/** Writes an entry's fields to `w`. */
export function writeEntry(w: ByteWriter, e: Entry): void {
  w.uint(e.term).uint(e.index).u8(ENTRY_TYPE_CODE[e.type]).bytes(e.data);
}

/** Reads an entry written by `writeEntry`. */
export function readEntry(r: ByteReader): Entry {
  const term = r.uint();
  const index = r.uint();
  const type = ENTRY_TYPES[r.u8()];
  if (type === undefined) throw new DecodeError('unknown entry type');
  // Copied: a log entry may live long, and a view would pin a whole socket read or WAL segment.
  return { term, index, type, data: r.bytes().slice() };
}

/** Writes a hard state to `w`. */
export function writeHardState(w: ByteWriter, hs: HardState): void {
  w.uint(hs.term).str(hs.vote).uint(hs.commit);
}

/** Reads a hard state written by `writeHardState`. */
export function readHardState(r: ByteReader): HardState {
  return { term: r.uint(), vote: r.str(), commit: r.uint() };
}

function writeIds(w: ByteWriter, ids: readonly string[]): void {
  w.uint(ids.length);
  for (const id of ids) w.str(id);
}

function readIds(r: ByteReader): string[] {
  const n = r.uint();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.str());
  return out;
}

/** Writes a membership configuration to `w`. */
export function writeConfState(w: ByteWriter, c: ConfState): void {
  writeIds(w, c.voters);
  writeIds(w, c.learners);
}

/** Reads a membership configuration written by `writeConfState`. */
export function readConfState(r: ByteReader): ConfState {
  return { voters: readIds(r), learners: readIds(r) };
}

/** Writes snapshot metadata (index, term, membership) to `w`. */
export function writeSnapshotMeta(w: ByteWriter, m: SnapshotMeta): void {
  w.uint(m.index).uint(m.term);
  writeConfState(w, m.confState);
}

/** Reads snapshot metadata written by `writeSnapshotMeta`. */
export function readSnapshotMeta(r: ByteReader): SnapshotMeta {
  return { index: r.uint(), term: r.uint(), confState: readConfState(r) };
}

/** Writes a whole snapshot (meta + data) to `w`. */
export function writeSnapshot(w: ByteWriter, s: Snapshot): void {
  writeSnapshotMeta(w, s.meta);
  w.bytes(s.data);
}

/** Reads a snapshot written by `writeSnapshot`. */
export function readSnapshot(r: ByteReader): Snapshot {
  return { meta: readSnapshotMeta(r), data: r.bytes() };
}

/** Encodes one value with `write` into a fresh byte array. */
export function encodeWith<T>(write: (w: ByteWriter, v: T) => void, v: T, hint = 64): Uint8Array {
  const w = new ByteWriter(hint);
  write(w, v);
  return w.finish();
}
