import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { hex16 } from './fsutil.js';

/**
 * A WAL segment file, `<seq>-<firstIndex>.wal` (16 hex digits each): `seq`
 * orders segments, `firstIndex` is the log's last index + 1 when the segment
 * was created, so every entry that is still live in an earlier segment has an
 * index < `firstIndex` of the following segment.
 */
export interface SegmentName {
  seq: number;
  firstIndex: number;
  file: string;
}

const SEGMENT_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

/** File name of segment `seq` starting at `firstIndex`. */
export function segmentFile(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

/** Parses a segment file name, or returns undefined for other files. */
export function parseSegmentFile(file: string): SegmentName | undefined {
  const m = SEGMENT_RE.exec(file);
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  return { seq: parseInt(m[1], 16), firstIndex: parseInt(m[2], 16), file };
}

/** Segments in `dir`, ordered by sequence number. */
export async function listSegments(dir: string): Promise<SegmentName[]> {
  const names = await fsp.readdir(dir);
  const segs: SegmentName[] = [];
  for (const n of names) {
    const s = parseSegmentFile(n);
    if (s !== undefined) segs.push(s);
  }
  return segs.sort((a, b) => a.seq - b.seq);
}

/** Absolute path of a segment inside `dir`. */
export function segmentPath(dir: string, seg: SegmentName): string {
  return path.join(dir, seg.file);
}
