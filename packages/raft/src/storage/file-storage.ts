import { promises as fsp } from 'node:fs';
import { MemoryStorage } from '../core/memory-storage.js';
import {
  RaftStorageError,
  StorageErrorCode,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from '../types.js';
import type { PayloadCipher } from './cipher.js';
import { encodeWith, writeEntry, writeHardState, writeSnapshotMeta } from './codec.js';
import { StorageFaultCode, StorageFaultError } from './errors.js';
import { MemoryBackedLog } from './memory.js';
import { encodeRecord, RecordType } from './record.js';
import { replay } from './replay.js';
import { readLatestSnapFile, removeSnapTemps, snapDir, writeSnapFile } from './snap-file.js';
import { type RaftStorage, SerialQueue } from './storage.js';
import { Wal, type WalOptions, walDir } from './wal.js';

/** Options for `FileStorage.open`. */
export interface FileStorageOptions extends WalOptions {
  /** Membership to start with when the directory holds no state yet (bootstrap). */
  initialConf?: ConfState;
  /**
   * Seals every entry's data and every snapshot's data written from now on
   * (encryption at rest; see the package README). Required to open a
   * directory holding sealed data; a directory written without one opens
   * with one (its old records are read as plaintext).
   */
  cipher?: PayloadCipher;
}

/** What recovery had to repair or found when opening, for logs and tests. */
export interface OpenReport {
  truncatedTail?: { file: string; offset: number };
  /**
   * Set when opened with a cipher but plaintext written without one is still
   * on disk: plaintext entry records in the WAL (overwritten ones included)
   * and whether the snapshot file is plaintext. They go away as snapshots
   * replace the snapshot file and compaction drops old WAL segments.
   */
  plaintext?: { entries: number; snapshot: boolean };
}

function entryRecord(e: Entry, cipher: PayloadCipher | undefined): Buffer {
  if (cipher === undefined) {
    return encodeRecord(RecordType.Entry, encodeWith(writeEntry, e, e.data.byteLength + 24));
  }
  const sealed: Entry = { ...e, data: cipher.seal(e.data) };
  return encodeRecord(
    RecordType.SealedEntry,
    encodeWith(writeEntry, sealed, sealed.data.byteLength + 24),
  );
}

function hardStateRecord(hs: HardState): Buffer {
  return encodeRecord(RecordType.HardState, encodeWith(writeHardState, hs));
}

/**
 * Durable `RaftStorage`: a WAL of CRC-framed records in `<dir>/wal` and the
 * newest snapshot in `<dir>/snap`, with the live log mirrored in memory for
 * the core's synchronous reads. Every write is fsynced before its promise
 * resolves and only then becomes visible to readers. On open, a torn last
 * record is cut off; mid-log damage throws `StorageFaultError('wal-corrupt')`.
 * With `opts.cipher`, entry and snapshot data are sealed on disk; memory and
 * every read hold plaintext.
 */
export class FileStorage extends MemoryBackedLog implements RaftStorage {
  private readonly queue = new SerialQueue();
  /** Serializes snapshot file writes, which run outside `queue` so WAL appends go on meanwhile. */
  private readonly snapQueue = new SerialQueue();
  private broken: unknown;
  /** Counters of `save`: fsynced batches and the entries they carried (batching diagnostics). */
  readonly stats = { saves: 0, entries: 0 };

  private constructor(
    mem: MemoryStorage,
    private readonly wal: Wal,
    private readonly dir: string,
    private readonly cipher: PayloadCipher | undefined,
    /** What recovery repaired while opening. */
    readonly openReport: OpenReport,
  ) {
    super(mem);
  }

  /**
   * Opens or creates the storage in `dir`, replaying snapshot and WAL. Every
   * sealed record is opened before anything on disk changes, so a missing or
   * wrong key (`StorageFaultError('sealed')`) leaves the directory as it was;
   * only then are a torn tail and leftover temp files removed.
   */
  static async open(dir: string, opts: FileStorageOptions = {}): Promise<FileStorage> {
    await fsp.mkdir(dir, { recursive: true });
    const { cipher } = opts;
    const snapFile = await readLatestSnapFile(snapDir(dir), cipher);
    const { wal, recovery } = await Wal.open(walDir(dir), opts);
    let snap = snapFile?.snapshot;
    const conf = opts.initialConf;
    const bootstrap = snap === undefined && recovery.records.length === 0 && conf !== undefined;
    if (bootstrap) snap = { meta: { index: 0, term: 0, confState: conf }, data: new Uint8Array(0) };
    const log = replay(recovery.records, snap, dir, cipher);
    await removeSnapTemps(snapDir(dir));
    await wal.cutTornTail();
    if (bootstrap) await writeSnapFile(snapDir(dir), log.snapshot, cipher);
    const mem = MemoryStorage.withConf(log.snapshot.meta.confState);
    mem.applySnapshot(log.snapshot);
    mem.append(log.entries);
    mem.setHardState(log.hardState);
    // Each run writes to a fresh segment that starts with the hard state, so
    // segments never need appending after a repaired tail.
    await wal.rollover(mem.lastIndex() + 1, [hardStateRecord(log.hardState)]);
    const report: OpenReport = recovery.truncatedTail
      ? { truncatedTail: recovery.truncatedTail }
      : {};
    const plainSnap = snapFile !== undefined && !snapFile.sealed;
    if (cipher !== undefined && (log.plainEntries > 0 || plainSnap)) {
      report.plaintext = { entries: log.plainEntries, snapshot: plainSnap };
    }
    return new FileStorage(mem, wal, dir, cipher, report);
  }

  /** WAL segment file names currently on disk, oldest first. */
  get segments(): readonly string[] {
    return this.wal.segmentNames;
  }

  /** @inheritDoc */
  save(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void> {
    return this.write(async () => {
      const offset = this.mem.firstIndex() - 1;
      const fresh = entries.filter((e) => e.index > offset);
      const head = fresh[0];
      if (head !== undefined && head.index > this.mem.lastIndex() + 1) {
        throw new RaftStorageError(
          StorageErrorCode.Unavailable,
          `gap: ${head.index} > ${this.mem.lastIndex() + 1}`,
        );
      }
      const recs = fresh.map((e) => entryRecord(e, this.cipher));
      if (hardState !== undefined) recs.push(hardStateRecord(hardState));
      if (recs.length === 0) return;
      await this.wal.append(recs);
      this.stats.saves++;
      this.stats.entries += fresh.length;
      this.mem.append(fresh);
      if (hardState !== undefined) this.mem.setHardState(hardState);
      if (this.wal.full) await this.rollover();
    });
  }

  /** @inheritDoc */
  saveSnapshot(snap: Snapshot): Promise<void> {
    return this.write(async () => {
      if (snap.meta.index < this.mem.snapshot().meta.index) {
        throw new RaftStorageError(StorageErrorCode.SnapshotOutOfDate);
      }
      await this.snapQueue.run(() => writeSnapFile(snapDir(this.dir), snap, this.cipher));
      await this.wal.append([
        encodeRecord(RecordType.Snapshot, encodeWith(writeSnapshotMeta, snap.meta)),
      ]);
      this.mem.applySnapshot(snap);
      await this.wal.dropThrough(snap.meta.index);
    });
  }

  /** @inheritDoc */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    // The snapshot file is independent of the WAL: it is written without holding up
    // appends, then the in-memory log records it. A crash in between leaves a newer
    // snapshot file than the WAL knows of, which replay handles (its entry matches).
    const written = this.snapQueue.run(async () => {
      this.checkUsable();
      if (index <= this.mem.snapshot().meta.index) {
        throw new RaftStorageError(StorageErrorCode.SnapshotOutOfDate);
      }
      if (index > this.mem.lastIndex()) throw new RaftStorageError(StorageErrorCode.Unavailable);
      const meta = { index, term: this.mem.term(index), confState };
      await writeSnapFile(snapDir(this.dir), { meta, data }, this.cipher);
    });
    return written.then(() =>
      this.write(async () => this.mem.createSnapshot(index, confState, data)),
    );
  }

  /** @inheritDoc */
  compact(index: number): Promise<void> {
    return this.write(async () => {
      this.checkCompact(index);
      if (index >= this.mem.firstIndex()) this.mem.compact(index);
      await this.wal.dropThrough(index);
    });
  }

  /** @inheritDoc */
  close(): Promise<void> {
    return this.queue.run(async () => {
      await this.snapQueue.run(async () => undefined);
      this.broken ??= new StorageFaultError(
        StorageFaultCode.Closed,
        `storage ${this.dir} is closed`,
      );
      await this.wal.close();
    });
  }

  private async rollover(): Promise<void> {
    await this.wal.rollover(this.mem.lastIndex() + 1, [
      hardStateRecord(this.mem.initialState().hardState),
    ]);
  }

  /**
   * Runs a write in order. An I/O failure leaves the file in an unknown state
   * (a failed fsync may have dropped dirty pages), so the storage is poisoned:
   * every later write rethrows instead of acknowledging data it may not have.
   */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.checkUsable();
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof RaftStorageError)) this.broken = err;
        throw err;
      }
    });
  }

  private checkUsable(): void {
    if (this.broken === undefined) return;
    throw new StorageFaultError(
      StorageFaultCode.Closed,
      `storage ${this.dir} is unusable`,
      undefined,
      undefined,
      { cause: this.broken },
    );
  }
}
