import { ByteReader, ByteWriter } from '../storage/bytes.js';

/**
 * What a `RaftNode` stores as snapshot data: the peer address book (so a node
 * restored from a snapshot can reach members added by since-compacted conf
 * changes) followed by the state machine's own snapshot bytes.
 */
export interface NodeSnapshot {
  addrs: Map<string, string>;
  state: Uint8Array;
}

/** Encodes the address book and state-machine bytes. */
export function encodeNodeSnapshot(s: NodeSnapshot): Uint8Array {
  const w = new ByteWriter(s.state.byteLength + 64 * (s.addrs.size + 1));
  w.u8(1).uint(s.addrs.size);
  for (const [id, addr] of s.addrs) w.str(id).str(addr);
  w.bytes(s.state);
  return w.finish();
}

/** Decodes `encodeNodeSnapshot` output; empty input (the bootstrap snapshot) gives an empty book. */
export function decodeNodeSnapshot(data: Uint8Array): NodeSnapshot {
  if (data.byteLength === 0) return { addrs: new Map(), state: data };
  const r = new ByteReader(data);
  if (r.u8() !== 1) throw new Error('raft node: unknown snapshot data version');
  const addrs = new Map<string, string>();
  const n = r.uint();
  for (let i = 0; i < n; i++) addrs.set(r.str(), r.str());
  return { addrs, state: r.bytes() };
}
