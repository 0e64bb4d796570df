import { NO_NODE, RaftRole, type Message } from '../types.js';
import type { Raft } from './raft.js';
import { CAMPAIGN_TRANSFER, isVoteRequest, voteRespType } from './util.js';

/** Kinds of campaign: a pre-vote round, a real election, or one forced by transfer. */
export type CampaignType = 'pre-election' | 'election' | 'transfer';

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Term rules shared by all roles (§5.1, thesis §9.6 pre-vote, §4.2.3 lease).
 * Returns false if the message was fully handled or must be ignored.
 */
export function stepCommon(r: Raft, m: Message): boolean {
  if (m.term > r.term && !stepHigherTerm(r, m)) return false;
  if (m.term !== 0 && m.term < r.term) {
    stepLowerTerm(r, m);
    return false;
  }
  if (m.type === 'MsgHup') {
    hup(r, r.cfg.preVote ? 'pre-election' : 'election');
    return false;
  }
  if (isVoteRequest(m.type)) {
    handleVoteRequest(r, m);
    return false;
  }
  return true;
}

function stepHigherTerm(r: Raft, m: Message): boolean {
  if (isVoteRequest(m.type)) {
    const force = sameBytes(m.context, CAMPAIGN_TRANSFER);
    const inLease =
      r.cfg.checkQuorum && r.lead !== NO_NODE && r.electionElapsed < r.cfg.electionTick;
    // Lease: while we hear from a live leader, a (pre-)vote from a partitioned
    // node must not disrupt it — ignore without even bumping our term.
    if (!force && inLease) return false;
  }
  if (m.type === 'MsgPreVote') return true;
  if (m.type === 'MsgPreVoteResp' && !m.reject) return true;
  const fromLeader = m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap';
  r.becomeFollower(m.term, fromLeader ? m.from : NO_NODE);
  return true;
}

function stepLowerTerm(r: Raft, m: Message): void {
  if ((r.cfg.checkQuorum || r.cfg.preVote) && (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')) {
    // A stale leader cut off by the lease would otherwise never learn of our
    // term; answering lets it step down.
    r.send({ to: m.from, type: 'MsgAppResp' });
  } else if (m.type === 'MsgPreVote') {
    r.send({ to: m.from, type: 'MsgPreVoteResp', term: r.term, reject: true });
  }
}

function handleVoteRequest(r: Raft, m: Message): void {
  const canVote =
    r.vote === m.from ||
    (r.vote === NO_NODE && r.lead === NO_NODE) ||
    (m.type === 'MsgPreVote' && m.term > r.term);
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    // §5.2/§5.4.1: grant; a real vote is durable in the next HardState.
    r.send({ to: m.from, type: voteRespType(m.type), term: m.term });
    if (m.type === 'MsgVote') {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ to: m.from, type: voteRespType(m.type), term: r.term, reject: true });
  }
}

/** Starts an election if this node may (not leader, promotable, no unapplied conf change). */
export function hup(r: Raft, t: CampaignType): void {
  if (r.role === RaftRole.Leader || !r.promotable()) return;
  const pending = r.log.nextCommittedEnts().some((e) => e.type === 'conf-change');
  if (pending) return;
  campaign(r, t);
}

/** Sends (pre-)vote requests to every voter; wins at once in a single-voter cluster. */
export function campaign(r: Raft, t: CampaignType): void {
  let term: number;
  let type: 'MsgVote' | 'MsgPreVote';
  if (t === 'pre-election') {
    r.becomePreCandidate();
    type = 'MsgPreVote';
    term = r.term + 1;
  } else {
    r.becomeCandidate();
    type = 'MsgVote';
    term = r.term;
  }
  if (poll(r, r.id, true) === 'won') {
    if (t === 'pre-election') campaign(r, 'election');
    else r.becomeLeader();
    return;
  }
  const ctx = t === 'transfer' ? CAMPAIGN_TRANSFER : undefined;
  for (const id of [...r.trk.voters].sort()) {
    if (id === r.id) continue;
    r.send({
      to: id,
      type,
      term,
      index: r.log.lastIndex(),
      logTerm: r.log.lastTerm(),
      context: ctx,
    });
  }
}

/** Records a vote and returns the tally. */
export function poll(r: Raft, id: string, granted: boolean): 'won' | 'lost' | 'pending' {
  r.trk.recordVote(id, granted);
  return r.trk.tallyVotes();
}
