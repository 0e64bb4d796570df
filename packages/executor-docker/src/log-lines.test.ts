import { describe, expect, it } from 'vitest';
import { LogDecoder, parseStamped, sinceParam } from './log-lines.js';

/** One frame as the engine multiplexes it: stream byte, 3 zeros, big-endian length, payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const T1 = '2026-01-02T03:04:05.123456789Z';
const T2 = '2026-01-02T03:04:06.000000001Z';

describe('parseStamped', () => {
  it("splits Docker's RFC 3339 nano stamp from the text", () => {
    expect(parseStamped(`${T1} hello world`)).toEqual({ timestamp: T1, text: 'hello world' });
    expect(parseStamped(`${T1} `)).toEqual({ timestamp: T1, text: '' });
    expect(parseStamped('2026-01-02T03:04:05+02:00 x')).toEqual({
      timestamp: '2026-01-02T03:04:05+02:00',
      text: 'x',
    });
  });

  it('keeps a line without a stamp whole', () => {
    expect(parseStamped('no stamp here')).toEqual({ timestamp: '', text: 'no stamp here' });
  });
});

describe('LogDecoder', () => {
  it('demultiplexes stdout and stderr frames into stamped lines', () => {
    const d = new LogDecoder();
    const out = d.push(
      Buffer.concat([frame(1, `${T1} one\n`), frame(2, `${T2} oops\n`), frame(1, `${T2} two\n`)]),
    );
    expect(out).toEqual([
      { stream: 'stdout', timestamp: T1, text: 'one' },
      { stream: 'stderr', timestamp: T2, text: 'oops' },
      { stream: 'stdout', timestamp: T2, text: 'two' },
    ]);
    expect(d.end()).toEqual([]);
  });

  it('waits for a frame cut anywhere, header included', () => {
    const all = Buffer.concat([frame(1, `${T1} first\n`), frame(1, `${T2} second\n`)]);
    for (let cut = 1; cut < all.length; cut++) {
      const d = new LogDecoder();
      const lines = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(lines.map((l) => l.text)).toEqual(['first', 'second']);
    }
  });

  it('keeps a partial last line per stream until the next chunk or the end', () => {
    const d = new LogDecoder();
    expect(d.push(frame(1, `${T1} hal`))).toEqual([]);
    expect(d.push(frame(2, `${T2} err\n`))).toEqual([
      { stream: 'stderr', timestamp: T2, text: 'err' },
    ]);
    expect(d.push(frame(1, 'f\nno newline'))).toEqual([
      { stream: 'stdout', timestamp: T1, text: 'half' },
    ]);
    expect(d.end()).toEqual([{ stream: 'stdout', timestamp: '', text: 'no newline' }]);
  });

  it('decodes a UTF-8 character split across frames, drops stdin frames and CR', () => {
    const euro = Buffer.from(`${T1} 5€\r\n`, 'utf8');
    const cut = euro.length - 3; // inside the 3-byte euro sign
    const header = (n: number, s = 1): Buffer => {
      const h = Buffer.alloc(8);
      h[0] = s;
      h.writeUInt32BE(n, 4);
      return h;
    };
    const d = new LogDecoder();
    const bytes = Buffer.concat([
      header(0, 0),
      header(cut),
      euro.subarray(0, cut),
      header(euro.length - cut),
      euro.subarray(cut),
    ]);
    expect(d.push(bytes)).toEqual([{ stream: 'stdout', timestamp: T1, text: '5€' }]);
  });
});

describe('sinceParam', () => {
  it("formats ms as Docker's seconds.nanoseconds", () => {
    expect(sinceParam(1_700_000_000_123)).toBe('1700000000.123000000');
    expect(sinceParam(1_700_000_000_000)).toBe('1700000000.000000000');
  });
});
