import type { Entry, HardState, Snapshot } from '../types.js';
import { ByteReader } from './bytes.js';
import { openSealed, type PayloadCipher } from './cipher.js';
import { readEntry, readHardState, readSnapshotMeta } from './codec.js';
import { StorageFaultCode, StorageFaultError } from './errors.js';
import { type RawRecord, RecordType } from './record.js';

/** The log state rebuilt from WAL records and the newest snapshot file. */
export interface ReplayedLog {
  hardState: HardState;
  snapshot: Snapshot;
  /** Live entries after the snapshot, contiguous from snapshot index + 1. */
  entries: Entry[];
  /** Entry records read from plaintext `Entry` records (written before a cipher was set). */
  plainEntries: number;
}

/** Term of the entry just before `entries`; -1 when replay started mid-log. */
interface Cursor {
  baseIndex: number;
  baseTerm: number;
  entries: Entry[];
}

const EMPTY_SNAPSHOT: Snapshot = {
  meta: { index: 0, term: 0, confState: { voters: [], learners: [] } },
  data: new Uint8Array(0),
};

function applyEntry(c: Cursor, e: Entry): void {
  const last = c.baseIndex + c.entries.length;
  if (e.index > last + 1) {
    // Earlier segments were dropped after a snapshot: the log starts here.
    c.baseIndex = e.index - 1;
    c.baseTerm = -1;
    c.entries = [e];
  } else if (e.index > c.baseIndex) {
    c.entries.length = e.index - c.baseIndex - 1; // an overwrite drops the conflicting suffix
    c.entries.push(e);
  }
}

/** Term of `index` if the cursor knows it, else undefined. */
function termAt(c: Cursor, index: number): number | undefined {
  if (index === c.baseIndex) return c.baseTerm < 0 ? undefined : c.baseTerm;
  return c.entries[index - c.baseIndex - 1]?.term;
}

function applySnapshotFile(c: Cursor, snap: Snapshot, file: string): void {
  const { index, term } = snap.meta;
  if (index < c.baseIndex) {
    throw new StorageFaultError(
      StorageFaultCode.Inconsistent,
      `WAL records a snapshot at ${c.baseIndex} but the newest snapshot file is at ${index}`,
      file,
    );
  }
  if (index === c.baseIndex && c.baseTerm < 0) {
    // Replay began right after the snapshot (older segments dropped): entries follow it.
  } else if (termAt(c, index) === term) {
    c.entries = c.entries.slice(index - c.baseIndex);
  } else {
    c.entries = []; // the snapshot replaced the log (crash between snapshot file and WAL marker)
  }
  c.baseIndex = index;
  c.baseTerm = term;
}

/** Decodes a `SealedEntry` record: metadata as is, data opened with `cipher`. */
function readSealedEntry(rec: RawRecord, cipher: PayloadCipher | undefined): Entry {
  const e = readEntry(new ByteReader(rec.payload));
  return { ...e, data: openSealed(cipher, e.data, rec.file, rec.offset) };
}

/**
 * Rebuilds the log from WAL `records` (oldest first) and the newest snapshot:
 * entry records append with overwrite, snapshot markers replace the log, the
 * last hard state wins; finally the snapshot cuts off everything it covers.
 * Every sealed entry is opened with `cipher`, overwritten ones included, so a
 * missing or wrong key always fails here (`StorageFaultError('sealed')`).
 * Throws `StorageFaultError('inconsistent')` if the result has a hole.
 */
export function replay(
  records: readonly RawRecord[],
  snap: Snapshot | undefined,
  dir: string,
  cipher?: PayloadCipher,
): ReplayedLog {
  const c: Cursor = { baseIndex: 0, baseTerm: 0, entries: [] };
  let hardState: HardState = { term: 0, vote: '', commit: 0 };
  let plainEntries = 0;
  for (const rec of records) {
    const r = new ByteReader(rec.payload);
    if (rec.type === RecordType.SealedEntry) applyEntry(c, readSealedEntry(rec, cipher));
    else if (rec.type === RecordType.Entry) {
      applyEntry(c, readEntry(r));
      plainEntries++;
    } else if (rec.type === RecordType.HardState) hardState = readHardState(r);
    else {
      const meta = readSnapshotMeta(r);
      c.baseIndex = meta.index;
      c.baseTerm = meta.term;
      c.entries = [];
    }
  }
  const snapshot = snap ?? EMPTY_SNAPSHOT;
  applySnapshotFile(c, snapshot, dir);
  if (c.baseTerm < 0) {
    throw new StorageFaultError(
      StorageFaultCode.Inconsistent,
      `WAL in ${dir} starts after a gap not covered by a snapshot`,
      dir,
    );
  }
  return { hardState, snapshot, entries: c.entries, plainEntries };
}
