import type { Socket } from 'node:net';

/**
 * Splits a TCP byte stream into DNS messages (RFC 1035 4.2.2: each message is preceded by its
 * length in 2 bytes) and hands each one to `onMessage`, in order. A zero length is a protocol
 * error: `onMessage` gets null and the caller should close the connection.
 */
export class FrameReader {
  private buf: Buffer | null = null;

  constructor(private readonly onMessage: (msg: Buffer | null) => boolean) {}

  /** Feeds received bytes; stops early once `onMessage` returns false. */
  push(chunk: Buffer): void {
    let data = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    this.buf = null;
    while (data.length >= 2) {
      const len = data.readUInt16BE(0);
      if (len === 0) {
        this.onMessage(null);
        return;
      }
      if (data.length < 2 + len) break;
      // A copy: the message may outlive this chunk (a forwarded query is kept until answered).
      const msg = Buffer.from(data.subarray(2, 2 + len));
      data = data.subarray(2 + len);
      if (!this.onMessage(msg)) return;
    }
    if (data.length > 0) this.buf = Buffer.from(data);
  }
}

/** Writes `msg` with its 2-byte length prefix, unless the connection is gone. */
export function writeFramed(socket: Socket, msg: Buffer): void {
  if (socket.destroyed) return;
  const len = Buffer.allocUnsafe(2);
  len.writeUInt16BE(msg.length, 0);
  socket.write(Buffer.concat([len, msg]));
}
