import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { StorageFaultCode, StorageFaultError } from './errors.js';
import { fsyncDir } from './fsutil.js';
import { type RawRecord, scanRecords } from './record.js';
import { listSegments, type SegmentName, segmentFile, segmentPath } from './segment.js';

/** Default segment size: a new segment is started once the current one reaches it. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Options for `Wal.open`. */
export interface WalOptions {
  /** Roll over to a new segment once the current one holds at least this many bytes. */
  segmentBytes?: number;
}

/** What `Wal.open` found on disk. */
export interface WalRecovery {
  /** Every valid record of every segment, oldest first. */
  records: RawRecord[];
  /** Set when a torn tail was cut off the last segment: its file and the offset cut at. */
  truncatedTail?: { file: string; offset: number };
}

/**
 * An append-only log of framed records split into segment files. The WAL
 * knows nothing about Raft: callers decide what records mean, when to roll
 * over (passing the header records that make the new segment self-contained)
 * and which segments are obsolete. Not re-entrant: callers serialize calls.
 */
export class Wal {
  private closed = false;
  private tornTail: { file: string; offset: number } | undefined;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private segments: SegmentName[],
    private fh: FileHandle | undefined,
    private size: number,
  ) {}

  /**
   * Opens (creating if needed) the WAL in `dir` and reads it, changing no file.
   * A torn tail of the last segment is left out of the records and reported in
   * `recovery.truncatedTail`; callers cut it with `cutTornTail()` once they
   * accept the records (FileStorage first checks it can open sealed ones). Any
   * other damage throws `StorageFaultError('wal-corrupt')`. The returned WAL
   * has no open segment until `rollover` is called; callers always cut the
   * tail and roll over once after replay.
   */
  static async open(
    dir: string,
    opts: WalOptions = {},
  ): Promise<{ wal: Wal; recovery: WalRecovery }> {
    await fsp.mkdir(dir, { recursive: true });
    const segments = await listSegments(dir);
    const recovery: WalRecovery = { records: [] };
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as SegmentName;
      const file = segmentPath(dir, seg);
      const buf = await fsp.readFile(file);
      const last = i === segments.length - 1;
      const scan = scanRecords(buf, file, last);
      if (scan.validEnd < buf.length) recovery.truncatedTail = { file, offset: scan.validEnd };
      for (const r of scan.records) recovery.records.push(r);
    }
    const wal = new Wal(dir, opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES, segments, undefined, 0);
    wal.tornTail = recovery.truncatedTail;
    return { wal, recovery };
  }

  /** Truncates (and fsyncs) the torn tail `open` found, if any. Call before the first `rollover`. */
  async cutTornTail(): Promise<void> {
    const tail = this.tornTail;
    this.tornTail = undefined;
    if (tail !== undefined) await truncateFile(tail.file, tail.offset);
  }

  /** True once the open segment has reached the rollover size. */
  get full(): boolean {
    return this.size >= this.segmentBytes;
  }

  /** Segment files currently on disk, oldest first (for tests and diagnostics). */
  get segmentNames(): readonly string[] {
    return this.segments.map((s) => s.file);
  }

  /**
   * Appends `records` to the open segment in one write and fdatasyncs before
   * resolving: once this resolves the records survive a crash.
   */
  async append(records: readonly Uint8Array[]): Promise<void> {
    const fh = this.requireOpen();
    const buf = records.length === 1 ? (records[0] as Uint8Array) : Buffer.concat(records);
    let off = 0;
    while (off < buf.byteLength) {
      const { bytesWritten } = await fh.write(buf, off, buf.byteLength - off, this.size + off);
      off += bytesWritten;
    }
    this.size += buf.byteLength;
    await fh.datasync();
  }

  /**
   * Closes the open segment and starts a new one named by `firstIndex` (the
   * log's last index + 1), beginning with `header` records; the new file and
   * the directory entry are fsynced before this resolves.
   */
  async rollover(firstIndex: number, header: readonly Uint8Array[]): Promise<void> {
    if (this.closed) throw new StorageFaultError(StorageFaultCode.Closed, 'WAL is closed');
    const prev = this.segments[this.segments.length - 1];
    const seg: SegmentName = { seq: prev === undefined ? 0 : prev.seq + 1, firstIndex, file: '' };
    seg.file = segmentFile(seg.seq, firstIndex);
    const fh = await fsp.open(segmentPath(this.dir, seg), 'wx');
    await this.fh?.close();
    this.fh = fh;
    this.size = 0;
    this.segments.push(seg);
    if (header.length > 0) await this.append(header);
    await fsyncDir(this.dir);
  }

  /**
   * Deletes leading segments whose live entries all have index ≤ `index`
   * (segment k goes when segment k+1 starts at ≤ index + 1). The open segment
   * is never deleted. Callers pass an index covered by a durable snapshot.
   *
   * Why this is safe with overwrites: segment k+1 was created when the log
   * ended at firstIndex(k+1) - 1, so every entry segment k still contributes
   * has a lower index. Entries it wrote above that were already truncated,
   * and later overwrites live in later segments. Every segment starts with
   * the hard state, so dropping earlier ones never loses it.
   */
  async dropThrough(index: number): Promise<number> {
    let dropped = 0;
    while (this.segments.length > 1) {
      const next = this.segments[1] as SegmentName;
      if (next.firstIndex - 1 > index) break;
      const seg = this.segments.shift() as SegmentName;
      await fsp.rm(segmentPath(this.dir, seg));
      dropped++;
    }
    if (dropped > 0) await fsyncDir(this.dir);
    return dropped;
  }

  /** Closes the open segment. Further appends throw `StorageFaultError('closed')`. */
  async close(): Promise<void> {
    this.closed = true;
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }

  private requireOpen(): FileHandle {
    if (this.closed || this.fh === undefined) {
      throw new StorageFaultError(StorageFaultCode.Closed, 'WAL is closed or has no open segment');
    }
    return this.fh;
  }
}

async function truncateFile(file: string, len: number): Promise<void> {
  const fh = await fsp.open(file, 'r+');
  try {
    await fh.truncate(len);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Directory of the WAL segments inside a storage directory. */
export function walDir(root: string): string {
  return path.join(root, 'wal');
}
