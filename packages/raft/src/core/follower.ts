import { NO_NODE, RaftRole, type Message, type Snapshot } from '../types.js';
import type { Raft } from './raft.js';
import { hup, poll, campaign } from './vote.js';

/** Follower message handling (§5.2, §5.3, ReadIndex forwarding, §3.10 transfer). */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'MsgProp':
    case 'MsgTransferLeader':
    case 'MsgReadIndex':
      // Forward to the leader; dropped when none is known (the caller retries).
      if (r.lead !== NO_NODE) r.send({ ...m, to: r.lead, from: m.from });
      break;
    case 'MsgApp':
    case 'MsgHeartbeat':
    case 'MsgSnap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleLeaderMessage(r, m);
      break;
    case 'MsgTimeoutNow':
      hup(r, 'transfer');
      break;
    case 'MsgReadIndexResp':
      r.readStates.push({ index: m.index, requestCtx: m.context ?? new Uint8Array(0) });
      break;
    default:
      break;
  }
}

/** (Pre-)candidate handling: a leader of our term wins; votes are tallied. */
export function stepCandidate(r: Raft, m: Message): void {
  const myResp = r.role === RaftRole.PreCandidate ? 'MsgPreVoteResp' : 'MsgVoteResp';
  switch (m.type) {
    case 'MsgApp':
    case 'MsgHeartbeat':
    case 'MsgSnap':
      r.becomeFollower(m.term, m.from);
      handleLeaderMessage(r, m);
      break;
    case myResp: {
      const res = poll(r, m.from, !m.reject);
      if (res === 'won') {
        if (r.role === RaftRole.PreCandidate) campaign(r, 'election');
        else {
          r.becomeLeader();
          r.bcastAppend();
        }
      } else if (res === 'lost') {
        r.becomeFollower(r.term, NO_NODE);
      }
      break;
    }
    default:
      break;
  }
}

function handleLeaderMessage(r: Raft, m: Message): void {
  if (m.type === 'MsgApp') handleAppend(r, m);
  else if (m.type === 'MsgHeartbeat') handleHeartbeat(r, m);
  else handleSnapshotChunk(r, m);
}

/** §5.3: consistency check on (index, logTerm), then merge and acknowledge. */
export function handleAppend(r: Raft, m: Message): void {
  if (m.index < r.log.committed) {
    r.send({ to: m.from, type: 'MsgAppResp', index: r.log.committed });
    return;
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send({ to: m.from, type: 'MsgAppResp', index: lastNew });
    return;
  }
  const [hintIndex, hintTerm] = r.log.findConflictByTerm(
    Math.min(m.index, r.log.lastIndex()),
    m.logTerm,
  );
  r.send({
    to: m.from,
    type: 'MsgAppResp',
    index: m.index,
    reject: true,
    rejectHint: hintIndex,
    logTerm: hintTerm,
  });
}

function handleHeartbeat(r: Raft, m: Message): void {
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  r.send({ to: m.from, type: 'MsgHeartbeatResp', context: m.context });
}

/** Reassembles chunked snapshots; on the last chunk restores and acknowledges. */
export function handleSnapshotChunk(r: Raft, m: Message): void {
  const snap = m.snapshot;
  if (snap === undefined) return;
  if (snap.meta.index <= r.log.committed) {
    r.assembler.clear();
    r.send({ to: m.from, type: 'MsgAppResp', index: r.log.committed });
    return;
  }
  const res = r.assembler.add(snap.meta, m.offset ?? 0, snap.data, m.done ?? true);
  if (res.kind === 'need') {
    r.send({
      to: m.from,
      type: 'MsgSnapResp',
      index: snap.meta.index,
      offset: res.offset,
      reject: res.reject,
    });
    return;
  }
  restore(r, res.snapshot);
  r.send({ to: m.from, type: 'MsgAppResp', index: r.log.lastIndex() });
}

function restore(r: Raft, s: Snapshot): void {
  if (r.log.matchTerm(s.meta.index, s.meta.term)) {
    // We already have the entry: just fast-forward the commit index.
    r.log.commitTo(s.meta.index);
    return;
  }
  r.log.restore(s);
  r.trk.setConf(s.meta.confState, r.log.lastIndex() + 1);
}
