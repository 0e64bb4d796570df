import type { Proposal, StoreSnapshot } from '@swarmlet/store';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A store proposal as a Raft entry payload (JSON: small, debuggable, stable across versions). */
export function encodeProposal(p: Proposal): Uint8Array {
  return enc.encode(JSON.stringify(p));
}

export function decodeProposal(data: Uint8Array): Proposal {
  return JSON.parse(dec.decode(data)) as Proposal;
}

export function encodeSnapshot(s: StoreSnapshot): Uint8Array {
  return enc.encode(JSON.stringify(s));
}

export function decodeSnapshot(data: Uint8Array): StoreSnapshot {
  return JSON.parse(dec.decode(data)) as StoreSnapshot;
}
