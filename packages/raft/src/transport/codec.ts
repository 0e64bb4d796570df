import { MessageType, type Message } from '../types.js';
import { ByteReader, ByteWriter, DecodeError } from '../storage/bytes.js';
import { readEntry, readSnapshot, writeEntry, writeSnapshot } from '../storage/codec.js';

/**
 * Binary wire format of Raft messages. A frame is `u8 version | varint count |
 * message*`; a message is `u8 type | u8 flags | from | to | term | logTerm |
 * index | commit | rejectHint | entries | optional fields`, integers as
 * varints. Entry data is decoded as a copy; `context` and snapshot data are views
 * into the frame.
 */
export const WIRE_VERSION = 1;

const TYPES = Object.values(MessageType);
const TYPE_CODE = new Map<string, number>(TYPES.map((t, i) => [t, i]));

const Flag = { Reject: 1, Context: 2, Snapshot: 4, Offset: 8, HasDone: 16, Done: 32 } as const;

function flagsOf(m: Message): number {
  let f = m.reject ? Flag.Reject : 0;
  if (m.context !== undefined) f |= Flag.Context;
  if (m.snapshot !== undefined) f |= Flag.Snapshot;
  if (m.offset !== undefined) f |= Flag.Offset;
  if (m.done !== undefined) f |= Flag.HasDone | (m.done ? Flag.Done : 0);
  return f;
}

/** Appends one message to `w`. */
export function writeMessage(w: ByteWriter, m: Message): void {
  const code = TYPE_CODE.get(m.type);
  if (code === undefined) throw new RangeError(`unknown message type ${m.type}`);
  w.u8(code).u8(flagsOf(m)).str(m.from).str(m.to);
  w.uint(m.term).uint(m.logTerm).uint(m.index).uint(m.commit).uint(m.rejectHint);
  w.uint(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.context !== undefined) w.bytes(m.context);
  if (m.snapshot !== undefined) writeSnapshot(w, m.snapshot);
  if (m.offset !== undefined) w.uint(m.offset);
}

/** Reads one message written by `writeMessage`. */
export function readMessage(r: ByteReader): Message {
  const type = TYPES[r.u8()];
  if (type === undefined) throw new DecodeError('unknown message type');
  const flags = r.u8();
  const m: Message = {
    type,
    from: r.str(),
    to: r.str(),
    term: r.uint(),
    logTerm: r.uint(),
    index: r.uint(),
    commit: r.uint(),
    rejectHint: r.uint(),
    reject: (flags & Flag.Reject) !== 0,
    entries: [],
  };
  const n = r.uint();
  for (let i = 0; i < n; i++) m.entries.push(readEntry(r));
  if (flags & Flag.Context) m.context = r.bytes();
  if (flags & Flag.Snapshot) m.snapshot = readSnapshot(r);
  if (flags & Flag.Offset) m.offset = r.uint();
  if (flags & Flag.HasDone) m.done = (flags & Flag.Done) !== 0;
  return m;
}

function messageSizeHint(msgs: readonly Message[]): number {
  let n = 16;
  for (const m of msgs) {
    n += 48 + m.from.length + m.to.length + (m.snapshot?.data.byteLength ?? 0);
    for (const e of m.entries) n += e.data.byteLength + 16;
  }
  return n;
}

/** Encodes a batch of messages as one frame. */
export function encodeFrame(msgs: readonly Message[]): Uint8Array {
  const w = new ByteWriter(messageSizeHint(msgs));
  w.u8(WIRE_VERSION).uint(msgs.length);
  for (const m of msgs) writeMessage(w, m);
  return w.finish();
}

/** Decodes a frame produced by `encodeFrame`; throws `DecodeError` on bad input. */
export function decodeFrame(buf: Uint8Array): Message[] {
  const r = new ByteReader(buf);
  const version = r.u8();
  if (version !== WIRE_VERSION) throw new DecodeError(`unsupported wire version ${version}`);
  const n = r.uint();
  const out: Message[] = [];
  for (let i = 0; i < n; i++) out.push(readMessage(r));
  if (!r.done) throw new DecodeError('trailing bytes after frame');
  return out;
}
