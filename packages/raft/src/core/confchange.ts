import { ConfChangeType, type ConfChange, type ConfState } from '../types.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Encodes a ConfChange as the `data` of a 'conf-change' entry (JSON, context base64). */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const ctx = cc.context === undefined ? undefined : Buffer.from(cc.context).toString('base64');
  return enc.encode(JSON.stringify({ type: cc.type, nodeId: cc.nodeId, ctx }));
}

/** Inverse of `encodeConfChange`; throws on malformed data. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const raw = JSON.parse(dec.decode(data)) as { type?: unknown; nodeId?: unknown; ctx?: unknown };
  const types: readonly string[] = Object.values(ConfChangeType);
  if (typeof raw.type !== 'string' || !types.includes(raw.type) || typeof raw.nodeId !== 'string') {
    throw new Error('raft: malformed conf change');
  }
  const cc: ConfChange = { type: raw.type as ConfChangeType, nodeId: raw.nodeId };
  if (typeof raw.ctx === 'string') cc.context = new Uint8Array(Buffer.from(raw.ctx, 'base64'));
  return cc;
}

/** The membership after applying `cc` to `cs` (pure; input is not modified). */
export function applyToConfState(cs: ConfState, cc: ConfChange): ConfState {
  const voters = cs.voters.filter((v) => v !== cc.nodeId);
  const learners = cs.learners.filter((v) => v !== cc.nodeId);
  if (cc.type === ConfChangeType.AddNode) voters.push(cc.nodeId);
  if (cc.type === ConfChangeType.AddLearner) learners.push(cc.nodeId);
  return { voters: voters.sort(), learners: learners.sort() };
}
