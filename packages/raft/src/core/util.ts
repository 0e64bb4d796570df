import type { Entry, Message } from '../types.js';

/** Approximate wire size of an entry, used for `maxSizePerMsg` batching. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 24;
}

/**
 * Returns the longest prefix of `ents` whose total size is ≤ `maxBytes`, but
 * always at least one entry (etcd's limitSize). `undefined` means no limit.
 */
export function limitSize(ents: Entry[], maxBytes?: number): Entry[] {
  if (maxBytes === undefined || ents.length === 0) return ents;
  let size = 0;
  for (let i = 0; i < ents.length; i++) {
    const e = ents[i] as Entry;
    size += entrySize(e);
    if (i > 0 && size > maxBytes) return ents.slice(0, i);
  }
  return ents;
}

/** A message with every required field defaulted; callers set what matters. */
export function makeMessage(m: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    from: '',
    to: '',
    term: 0,
    logTerm: 0,
    index: 0,
    commit: 0,
    entries: [],
    reject: false,
    rejectHint: 0,
    ...m,
  };
}

/** True for messages a peer answers with a vote response. */
export function isVoteRequest(type: Message['type']): boolean {
  return type === 'MsgVote' || type === 'MsgPreVote';
}

/** Response kind for a (pre-)vote request. */
export function voteRespType(type: Message['type']): 'MsgVoteResp' | 'MsgPreVoteResp' {
  return type === 'MsgPreVote' ? 'MsgPreVoteResp' : 'MsgVoteResp';
}

/** `context` of vote requests forced by a leadership transfer (bypasses the lease). */
export const CAMPAIGN_TRANSFER = new TextEncoder().encode('CampaignTransfer');
