import { ProgressState, RaftStorageError, StorageErrorCode } from '../types.js';
import type { Progress } from './progress.js';
import type { Raft } from './raft.js';

/**
 * Sends the next MsgApp to `to` if its progress allows (§5.3). With
 * `sendIfEmpty` an empty MsgApp still goes out (to carry the commit index or
 * probe). Falls back to a snapshot when the needed entries were compacted.
 * Returns true if a message was sent.
 */
export function maybeSendAppend(r: Raft, to: string, sendIfEmpty: boolean): boolean {
  const pr = r.trk.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === undefined) return sendSnapshot(r, to, pr);
  let ents;
  try {
    ents = r.log.entriesFrom(pr.next, r.cfg.maxSizePerMsg);
  } catch (e) {
    if (e instanceof RaftStorageError && e.code === StorageErrorCode.Compacted)
      return sendSnapshot(r, to, pr);
    throw e;
  }
  if (ents.length === 0 && !sendIfEmpty) return false;
  r.send({
    to,
    type: 'MsgApp',
    index: prevIndex,
    logTerm: prevTerm,
    entries: ents,
    commit: r.log.committed,
  });
  const last = ents[ents.length - 1];
  pr.sentEntries(ents.length, last?.index ?? prevIndex);
  return true;
}

/** Switches `to` into snapshot state and sends the first chunk. */
function sendSnapshot(r: Raft, to: string, pr: Progress): boolean {
  if (!pr.recentActive) return false;
  let snap;
  try {
    snap = r.log.snapshot();
  } catch (e) {
    if (e instanceof RaftStorageError && e.code === StorageErrorCode.SnapshotTemporarilyUnavailable)
      return false;
    throw e;
  }
  if (snap.meta.index === 0) throw new Error('raft: need a snapshot but none exists');
  pr.becomeSnapshot(snap);
  sendSnapshotChunk(r, to, pr, 0);
  return true;
}

/** Sends the chunk of the pending snapshot starting at `offset`. */
export function sendSnapshotChunk(r: Raft, to: string, pr: Progress, offset: number): void {
  const snap = pr.pendingSnapshot;
  if (snap === undefined) return;
  const end = Math.min(offset + r.cfg.snapshotChunkSize, snap.data.byteLength);
  const chunk = { meta: snap.meta, data: snap.data.subarray(offset, end) };
  const done = end >= snap.data.byteLength;
  r.send({ to, type: 'MsgSnap', snapshot: chunk, offset, done });
  pr.snapIdleTicks = 0;
}

/** Leader: MsgApp (possibly empty) to every peer. */
export function bcastAppend(r: Raft): void {
  r.trk.forEachPeer(r.id, (id) => {
    maybeSendAppend(r, id, true);
  });
}

/**
 * Leader: heartbeats to every peer. `commit` is capped at the peer's match so
 * a follower never commits entries it might not have (etcd's sendHeartbeat).
 * Also resends a stalled snapshot chunk after a few idle heartbeats.
 */
export function bcastHeartbeat(r: Raft, ctx: Uint8Array | undefined): void {
  r.trk.forEachPeer(r.id, (id, pr) => {
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ to: id, type: 'MsgHeartbeat', commit, context: ctx });
    if (pr.state === ProgressState.Snapshot && ++pr.snapIdleTicks >= 3) {
      sendSnapshotChunk(r, id, pr, pr.snapAcked);
    }
  });
}
