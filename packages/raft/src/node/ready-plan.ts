import type { Entry, Message, Ready, RaftRole } from '../types.js';

/**
 * Leader messages that promise nothing about local durability. A leader may
 * send them before its own fsync (Raft thesis §10.2.1, etcd's raft doc):
 * the core counts the leader's own match at append time, but a commit that
 * relies on it is only acted upon (applied, or sent in a later message) in a
 * later Ready, which the driver handles only after this Ready's fsync.
 */
const EARLY_LEADER_TYPES = new Set<Message['type']>([
  'MsgApp',
  'MsgHeartbeat',
  'MsgSnap',
  'MsgTimeoutNow',
]);

/** How the driver orders the effects of one `Ready`. */
export interface ReadyPlan {
  /** Sent before persisting (leader replication traffic). */
  early: Message[];
  /** Sent after persisting: votes, acks and anything else that promises durability. */
  late: Message[];
  /** Committed entries already durable locally: applied while this Ready's writes are in flight. */
  applyFirst: Entry[];
  /** Committed entries applied after the writes (and after a snapshot is restored). */
  applyAfter: Entry[];
}

/**
 * Splits a Ready's effects. `role` is the node's role as of this Ready and
 * `durableIndex` the storage's last index before this Ready's writes.
 * With a snapshot in the Ready everything keeps the strict order.
 */
export function planReady(rd: Ready, role: RaftRole, durableIndex: number): ReadyPlan {
  if (rd.snapshot !== undefined) {
    return { early: [], late: rd.messages, applyFirst: [], applyAfter: rd.committedEntries };
  }
  const early: Message[] = [];
  const late: Message[] = [];
  for (const m of rd.messages)
    (role === 'leader' && EARLY_LEADER_TYPES.has(m.type) ? early : late).push(m);
  // Committed entries are never overwritten, so index ≤ durableIndex means already on disk here.
  let split = 0;
  while (
    split < rd.committedEntries.length &&
    (rd.committedEntries[split] as Entry).index <= durableIndex
  )
    split++;
  return {
    early,
    late,
    applyFirst: rd.committedEntries.slice(0, split),
    applyAfter: rd.committedEntries.slice(split),
  };
}
