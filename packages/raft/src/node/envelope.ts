import { ByteReader, ByteWriter } from '../storage/bytes.js';

/**
 * Proposal envelope: each proposed entry's data is `u8 0x01 | tag | seq |
 * payload`, where `tag` identifies one incarnation of one node and `seq`
 * counts its proposals. When the entry is applied, the proposing node finds
 * its waiter by (tag, seq); other nodes just unwrap the payload.
 */
const MAGIC = 0x01;

/** A decoded envelope; `payload` is a view into the entry data. */
export interface Envelope {
  tag: string;
  seq: number;
  payload: Uint8Array;
}

/** Wraps `payload` with the proposer's tag and sequence number. */
export function wrap(tag: string, seq: number, payload: Uint8Array): Uint8Array {
  const w = new ByteWriter(payload.byteLength + tag.length + 12);
  w.u8(MAGIC).str(tag).uint(seq).bytes(payload);
  return w.finish();
}

/** Unwraps data produced by `wrap`; throws on anything else. */
export function unwrap(data: Uint8Array): Envelope {
  const r = new ByteReader(data);
  if (r.u8() !== MAGIC) throw new Error('raft node: entry data is not a proposal envelope');
  return { tag: r.str(), seq: r.uint(), payload: r.bytes() };
}
