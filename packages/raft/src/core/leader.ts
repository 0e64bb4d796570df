import { NO_NODE, ProgressState, type Message } from '../types.js';
import { decodeConfChange } from './confchange.js';
import type { Progress } from './progress.js';
import type { Raft } from './raft.js';
import { bcastHeartbeat, maybeSendAppend, sendSnapshotChunk } from './replication.js';

/** Leader message handling: proposals, reads, and per-follower responses. */
export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'MsgBeat':
      r.bcastHeartbeat();
      return;
    case 'MsgCheckQuorum':
      checkQuorum(r);
      return;
    case 'MsgProp':
      handleProposal(r, m);
      return;
    case 'MsgReadIndex':
      handleReadIndex(r, m);
      return;
    default:
      break;
  }
  const pr = r.trk.progress.get(m.from);
  if (pr === undefined) return;
  stepLeaderPeer(r, m, pr);
}

function stepLeaderPeer(r: Raft, m: Message, pr: Progress): void {
  switch (m.type) {
    case 'MsgAppResp':
      pr.recentActive = true;
      if (m.reject) handleAppReject(r, m, pr);
      else handleAppAck(r, m, pr);
      break;
    case 'MsgHeartbeatResp':
      handleHeartbeatResp(r, m, pr);
      break;
    case 'MsgSnapResp':
      handleSnapResp(r, m, pr);
      break;
    case 'MsgUnreachable':
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      break;
    case 'MsgTransferLeader':
      handleTransferLeader(r, m, pr);
      break;
    default:
      break;
  }
}

/** §6.2 / thesis 6.2: step down if a quorum was not heard from within an election timeout. */
function checkQuorum(r: Raft): void {
  if (!r.trk.quorumActive(r.id)) {
    r.becomeFollower(r.term, NO_NODE);
    return;
  }
  for (const [id, pr] of r.trk.progress) if (id !== r.id) pr.recentActive = false;
}

function handleProposal(r: Raft, m: Message): void {
  if (!r.trk.progress.has(r.id) || r.leadTransferee !== NO_NODE) return;
  const ents = [];
  for (const e of m.entries) {
    if (e.type === 'conf-change') {
      // Thesis errata: one conf change at a time, and only once this term committed.
      if (r.confChangeDropReason(decodeConfChange(e.data)) !== undefined) continue;
      r.pendingConfIndex = r.log.lastIndex() + ents.length + 1;
    }
    ents.push(e);
  }
  if (ents.length === 0) return;
  r.appendEntries(ents);
  r.bcastAppend();
}

function handleAppReject(r: Raft, m: Message, pr: Progress): void {
  let next = m.rejectHint;
  if (m.logTerm > 0) next = r.log.findConflictByTerm(m.rejectHint, m.logTerm)[0];
  if (!pr.maybeDecrTo(m.index, next)) return;
  if (pr.state === ProgressState.Replicate) pr.becomeProbe();
  maybeSendAppend(r, m.from, true);
}

function handleAppAck(r: Raft, m: Message, pr: Progress): void {
  const wasPaused = pr.isPaused();
  const updated = pr.maybeUpdate(m.index);
  const snapIndex = pr.pendingSnapshot?.meta.index ?? Infinity;
  const snapDone =
    pr.state === ProgressState.Snapshot &&
    (pr.match >= snapIndex || pr.match + 1 >= r.log.firstIndex());
  const probeConfirmed = pr.state === ProgressState.Probe && pr.match === m.index;
  if (!updated && !snapDone && !probeConfirmed) return;
  if (pr.state === ProgressState.Probe) pr.becomeReplicate();
  else if (snapDone) {
    // The snapshot is installed. If we compacted past it meanwhile, probing
    // finds out and sends a newer one; otherwise resume pipelining.
    pr.becomeProbe();
    if (pr.match + 1 >= r.log.firstIndex()) pr.becomeReplicate();
  } else if (pr.state === ProgressState.Replicate) pr.inflights.freeLE(m.index);

  if (r.maybeCommit()) r.bcastAppend();
  else if (wasPaused) maybeSendAppend(r, m.from, true);
  while (maybeSendAppend(r, m.from, false));
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
}

function handleHeartbeatResp(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  pr.msgAppFlowPaused = false;
  // A full window of lost MsgApps would stall replication forever: free one
  // slot so the next send exposes the gap (the follower rejects, we probe).
  if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex()) maybeSendAppend(r, m.from, true);
  if (m.context === undefined || m.context.length === 0) return;
  if (r.readOnly.recvAck(m.from, m.context) === 0) return;
  const acks = r.readOnly.acks(m.context);
  let votes = 0;
  for (const id of r.trk.voters) if (acks.has(id)) votes++;
  if (votes < r.trk.quorum()) return;
  for (const rs of r.readOnly.advance(m.context)) respondToRead(r, rs.req, rs.index);
}

function handleSnapResp(r: Raft, m: Message, pr: Progress): void {
  if (pr.state !== ProgressState.Snapshot || pr.pendingSnapshot?.meta.index !== m.index) return;
  pr.recentActive = true;
  const offset = m.offset ?? 0;
  if (!m.reject && offset <= pr.snapAcked) return; // duplicate ack
  pr.snapAcked = offset;
  if (offset < pr.pendingSnapshot.data.byteLength || m.reject)
    sendSnapshotChunk(r, m.from, pr, offset);
}

/** ReadIndex (§6.4): record commit index, confirm leadership with a heartbeat round. */
function handleReadIndex(r: Raft, m: Message): void {
  if (r.trk.voters.size === 1) {
    respondToRead(r, m, r.log.committed);
    return;
  }
  if (!r.committedInCurrentTerm()) {
    // §6.4 step 1: until our no-op commits we do not know the real commit index.
    r.pendingReadIndex.push(m);
    return;
  }
  r.readOnly.add(r.log.committed, m);
  r.readOnly.recvAck(r.id, m.context);
  bcastHeartbeat(r, m.context);
}

function respondToRead(r: Raft, req: Message, index: number): void {
  if (req.from === NO_NODE || req.from === r.id) {
    r.readStates.push({ index, requestCtx: req.context ?? new Uint8Array(0) });
  } else {
    r.send({ to: req.from, type: 'MsgReadIndexResp', index, context: req.context });
  }
}

function handleTransferLeader(r: Raft, m: Message, pr: Progress): void {
  const to = m.from;
  if (pr.isLearner || to === r.id) return;
  if (r.leadTransferee === to) return;
  r.abortLeaderTransfer();
  r.electionElapsed = 0;
  r.leadTransferee = to;
  if (pr.match === r.log.lastIndex()) sendTimeoutNow(r, to);
  else maybeSendAppend(r, to, true);
}

function sendTimeoutNow(r: Raft, to: string): void {
  r.send({ to, type: 'MsgTimeoutNow' });
}
