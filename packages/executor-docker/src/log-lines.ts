import type { LogLine } from '@swarmlet/agent';

/** Size of the header Docker puts before each frame of a non-TTY container's output. */
export const FRAME_HEADER_BYTES = 8;

const STREAMS: Record<number, LogLine['stream'] | undefined> = { 1: 'stdout', 2: 'stderr' };

/** `2026-01-02T03:04:05.123456789Z text` → timestamp and text (Docker's `timestamps=1`). */
const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?/;

/** Splits a stamped line; a line without a stamp keeps its text and gets an empty timestamp. */
export function parseStamped(line: string): { timestamp: string; text: string } {
  const m = STAMPED.exec(line);
  if (!m) return { timestamp: '', text: line };
  return { timestamp: m[1] ?? '', text: line.slice(m[0].length) };
}

/**
 * Turns the multiplexed log stream of a container created without a TTY (8-byte headers: stream
 * type, 3 zero bytes, big-endian length; then the payload) into lines. Frames and lines may be
 * cut anywhere by the transport: a partial header waits for its rest, and each stream keeps its
 * partial last line until the next chunk or `end()`. Pure: no IO.
 */
export class LogDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };
  private readonly decoders = {
    stdout: new TextDecoder('utf-8'),
    stderr: new TextDecoder('utf-8'),
  };

  /** The complete lines this chunk finishes, in stream order. */
  push(chunk: Buffer): LogLine[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: LogLine[] = [];
    while (this.pending.length >= FRAME_HEADER_BYTES) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < FRAME_HEADER_BYTES + size) break;
      const stream = STREAMS[this.pending[0] ?? 0];
      const payload = this.pending.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + size);
      this.pending = this.pending.subarray(FRAME_HEADER_BYTES + size);
      if (stream) this.text(stream, this.decoders[stream].decode(payload, { stream: true }), out);
    }
    return out;
  }

  /** The partial last lines (output that did not end with a newline). */
  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream] + this.decoders[stream].decode();
      this.partial[stream] = '';
      if (rest !== '') out.push({ stream, ...parseStamped(rest) });
    }
    return out;
  }

  private text(stream: LogLine['stream'], text: string, out: LogLine[]): void {
    const all = this.partial[stream] + text;
    const parts = all.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const p of parts)
      out.push({ stream, ...parseStamped(p.endsWith('\r') ? p.slice(0, -1) : p) });
  }
}

/** Docker's `since` query value for ms since the epoch: `seconds.nanoseconds`. */
export function sinceParam(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  return `${seconds}.${String(Math.round(nanos)).padStart(9, '0')}`;
}
