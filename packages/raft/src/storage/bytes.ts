/**
 * Minimal binary writer/reader shared by the WAL and the transport codec.
 * Integers are unsigned LEB128 varints up to 2^53 - 1 (Raft indexes and terms
 * are JS numbers); strings are UTF-8 with a varint length prefix.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Growable byte buffer. `finish()` returns a view of the written bytes (no copy). */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** Appends one byte. */
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  /** Appends a non-negative safe integer as a varint. */
  uint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a safe uint: ${v}`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** Appends length-prefixed raw bytes. */
  bytes(b: Uint8Array): this {
    this.uint(b.byteLength);
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
    return this;
  }

  /** Appends a length-prefixed UTF-8 string. */
  str(s: string): this {
    return this.bytes(encoder.encode(s));
  }

  /** View of the written bytes; the writer must not be used afterwards. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

/** Thrown by `ByteReader` on truncated or malformed input. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

/** Sequential reader over bytes produced by `ByteWriter`. Throws `DecodeError` on bad input. */
export class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  /** True when every byte has been consumed. */
  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Reads one byte. */
  u8(): number {
    const v = this.buf[this.pos];
    if (v === undefined) throw new DecodeError('unexpected end of input');
    this.pos++;
    return v;
  }

  /** Reads a varint written by `ByteWriter.uint`. */
  uint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 0x80;
    }
    throw new DecodeError('varint too long');
  }

  /** Reads length-prefixed bytes as a plain `Uint8Array` view into the input (no copy, never a Buffer). */
  bytes(): Uint8Array {
    const n = this.uint();
    if (this.pos + n > this.buf.length) throw new DecodeError('bytes past end of input');
    const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return out;
  }

  /** Reads a length-prefixed UTF-8 string. */
  str(): string {
    try {
      return decoder.decode(this.bytes());
    } catch (err) {
      if (err instanceof DecodeError) throw err;
      throw new DecodeError('invalid utf-8', { cause: err });
    }
  }
}
