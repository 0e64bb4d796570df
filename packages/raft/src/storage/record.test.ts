import { describe, expect, it } from 'vitest';
import { StorageFaultError } from './errors.js';
import { encodeRecord, RecordType, scanRecords } from './record.js';

const rec = (s: string): Buffer => encodeRecord(RecordType.Entry, new TextEncoder().encode(s));

describe('WAL record framing', () => {
  it('round-trips records with their offsets', () => {
    const buf = Buffer.concat([rec('one'), rec('two!')]);
    const { records, validEnd } = scanRecords(buf, 'f', false);
    expect(validEnd).toBe(buf.length);
    expect(records.map((r) => Buffer.from(r.payload).toString())).toEqual(['one', 'two!']);
    expect(records.map((r) => r.offset)).toEqual([0, 12]);
  });

  it('accepts sealed entry records', () => {
    const buf = Buffer.concat([rec('one'), encodeRecord(RecordType.SealedEntry, Buffer.from('x'))]);
    const { records } = scanRecords(buf, 'f', false);
    expect(records.map((r) => r.type)).toEqual([RecordType.Entry, RecordType.SealedEntry]);
    expect(records[1]).toMatchObject({ file: 'f', offset: 12 });
  });

  it('a partial last record is a torn tail when allowed', () => {
    const whole = Buffer.concat([rec('one'), rec('two')]);
    for (let cut = 13; cut < whole.length; cut++) {
      const { records, validEnd } = scanRecords(whole.subarray(0, cut), 'f', true);
      expect(records).toHaveLength(1);
      expect(validEnd).toBe(12);
    }
  });

  it('zero-filled bytes after the last record are a torn tail', () => {
    const buf = Buffer.concat([rec('one'), Buffer.alloc(4096)]);
    expect(scanRecords(buf, 'f', true).validEnd).toBe(12);
  });

  it('a damaged record followed by a valid one is corruption, with file and offset', () => {
    const buf = Buffer.concat([rec('one'), rec('two'), rec('three')]);
    buf[12 + 9] = (buf[12 + 9] as number) ^ 0xff;
    let err: unknown;
    try {
      scanRecords(buf, 'seg.wal', true);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StorageFaultError);
    expect(err).toMatchObject({ code: 'wal-corrupt', file: 'seg.wal', offset: 12 });
  });

  it('any damage is corruption when a torn tail is not allowed', () => {
    const buf = Buffer.concat([rec('one'), rec('two')]).subarray(0, 20);
    expect(() => scanRecords(buf, 'f', false)).toThrow(/offset 12/);
  });
});
