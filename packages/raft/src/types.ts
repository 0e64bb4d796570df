// Shared Raft data types, after etcd-io/raft's raftpb and storage.go.
//
// This file is the contract between the pure core (src/core), the simulator
// (src/sim) and the driver/storage/transport (src/node, src/storage,
// src/transport). Only add to it; never rename or remove.

/** Node ids are opaque non-empty strings. `NO_NODE` ('') means "nobody". */
export const NO_NODE = '';

/** Kinds of log entries: application data or an encoded `ConfChange`. */
export const EntryType = { Normal: 'normal', ConfChange: 'conf-change' } as const;
/** Union of `EntryType` values. */
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/**
 * One log entry. `index` starts at 1; `term` is the leader term that created it.
 * For `type: 'conf-change'`, `data` is `encodeConfChange(cc)` (see core/confchange.ts).
 * An entry with empty `data` and type 'normal' is the leader's no-op of its term.
 */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/**
 * What must be durable before any message of the same `Ready` is sent:
 * current term, the vote cast in it (`NO_NODE` if none) and the commit index.
 */
export interface HardState {
  term: number;
  vote: string;
  commit: number;
}

/** Cluster membership: voters count for quorums, learners only receive the log. */
export interface ConfState {
  voters: string[];
  learners: string[];
}

/** Identifies the state a snapshot covers: everything up to and including `index`. */
export interface SnapshotMeta {
  index: number;
  term: number;
  confState: ConfState;
}

/** A state-machine snapshot. `data` is opaque to Raft. */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

/** Kinds of membership change; promoting a learner is `add-node` on a learner. */
export const ConfChangeType = {
  AddNode: 'add-node',
  RemoveNode: 'remove-node',
  AddLearner: 'add-learner',
} as const;
/** Union of `ConfChangeType` values. */
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/** A single-server membership change, proposed with `RaftCore.proposeConfChange`. */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: string;
  /** Opaque application context (e.g. the new node's address). */
  context?: Uint8Array;
}

/**
 * Message kinds, as in etcd's raftpb. "Local" kinds (Hup, Beat, Prop,
 * CheckQuorum, Unreachable, SnapStatus) are only ever passed to `step` by the
 * local driver and never appear in `Ready.messages`, except MsgProp and
 * MsgReadIndex which a follower forwards to its leader.
 */
export const MessageType = {
  MsgHup: 'MsgHup',
  MsgBeat: 'MsgBeat',
  MsgProp: 'MsgProp',
  MsgApp: 'MsgApp',
  MsgAppResp: 'MsgAppResp',
  MsgVote: 'MsgVote',
  MsgVoteResp: 'MsgVoteResp',
  MsgPreVote: 'MsgPreVote',
  MsgPreVoteResp: 'MsgPreVoteResp',
  MsgSnap: 'MsgSnap',
  MsgSnapResp: 'MsgSnapResp',
  MsgHeartbeat: 'MsgHeartbeat',
  MsgHeartbeatResp: 'MsgHeartbeatResp',
  MsgUnreachable: 'MsgUnreachable',
  MsgSnapStatus: 'MsgSnapStatus',
  MsgCheckQuorum: 'MsgCheckQuorum',
  MsgTransferLeader: 'MsgTransferLeader',
  MsgTimeoutNow: 'MsgTimeoutNow',
  MsgReadIndex: 'MsgReadIndex',
  MsgReadIndexResp: 'MsgReadIndexResp',
} as const;
/** Union of `MessageType` values. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * A Raft message: one flat record, as raftpb.Message, so transports can encode
 * it field by field. Field meaning per kind:
 * - MsgApp: `index`/`logTerm` = index and term of the entry preceding
 *   `entries`; `commit` = leader commit.
 * - MsgAppResp: `index` = last matching index (or the rejected index when
 *   `reject`), `rejectHint` = follower's last index / hint, `logTerm` = term at hint.
 * - MsgVote/MsgPreVote: `index`/`logTerm` = candidate's last log index/term;
 *   `context` = CAMPAIGN_TRANSFER when forced by leadership transfer.
 * - MsgHeartbeat: `commit` = min(leader commit, follower match); `context` = ReadIndex round.
 * - MsgSnap: one chunk; `snapshot.meta` = whole snapshot's meta, `snapshot.data`
 *   = bytes [offset, offset+len) of the snapshot data; `done` on the last chunk.
 * - MsgSnapResp: `index` = snapshot index, `offset` = next byte the follower
 *   expects, `reject` = restart from `offset`.
 * - MsgTransferLeader: `from` = the transferee (as in etcd).
 * - MsgReadIndex/MsgReadIndexResp: `context` = request ctx; resp `index` = read index.
 */
export interface Message {
  type: MessageType;
  from: string;
  to: string;
  term: number;
  logTerm: number;
  index: number;
  commit: number;
  entries: Entry[];
  reject: boolean;
  rejectHint: number;
  context?: Uint8Array;
  snapshot?: Snapshot;
  /** MsgSnap/MsgSnapResp: byte offset of the chunk within the snapshot data. */
  offset?: number;
  /** MsgSnap: true on the final chunk. */
  done?: boolean;
}

/** Node roles. */
export const RaftRole = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
/** Union of `RaftRole` values. */
export type RaftRole = (typeof RaftRole)[keyof typeof RaftRole];

/** Volatile state, reported in `Ready` only when it changed. Never persisted. */
export interface SoftState {
  lead: string;
  role: RaftRole;
}

/**
 * A completed ReadIndex request: once the local state machine has applied
 * through `index`, a read for `requestCtx` is linearizable.
 */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

/**
 * Work the driver must perform, in this order (etcd node.go contract):
 * 1. persist `snapshot` (if any), then append `entries`, then `hardState`;
 *    fsync if `mustSync`;
 * 2. only then send `messages` (votes and acks promise durability);
 * 3. apply `snapshot` (if any), then `committedEntries` to the state machine,
 *    serve `readStates` once applied ≥ their index;
 * 4. call `advance()`.
 * Entries in `entries` with an index ≤ an existing stored index replace the
 * stored suffix from that index on.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  mustSync: boolean;
}

/** Result of `LogStorage.initialState()` after a restart. */
export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

/** Error codes that `LogStorage` reads may throw (as `RaftStorageError`). */
export const StorageErrorCode = {
  /** The requested index is below firstIndex: it was compacted into a snapshot. */
  Compacted: 'compacted',
  /** The requested index is above lastIndex. */
  Unavailable: 'unavailable',
  /** A snapshot is being built; the leader retries later. */
  SnapshotTemporarilyUnavailable: 'snapshot-temporarily-unavailable',
  /** A requested snapshot is older than the current one. */
  SnapshotOutOfDate: 'snapshot-out-of-date',
} as const;
/** Union of `StorageErrorCode` values. */
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/** Thrown by `LogStorage` and `MemoryStorage` operations; `code` says why. */
export class RaftStorageError extends Error {
  override readonly name = 'RaftStorageError';
  constructor(
    readonly code: StorageErrorCode,
    message?: string,
  ) {
    super(message ?? code);
  }
}

/**
 * The read side of the Raft log, as etcd's Storage interface. The core only
 * reads; the driver writes (append/applySnapshot) after each `Ready`.
 * All methods are synchronous. Index space: firstIndex() is the first entry
 * still present (snapshot index + 1); term(firstIndex()-1) must return the
 * snapshot's term; lastIndex() ≥ firstIndex()-1.
 */
export interface LogStorage {
  /** Persisted hard state and membership at startup. */
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), at least one if lo < hi, limited to about `maxBytes`
   * of data (undefined = no limit). Throws Compacted if lo < firstIndex,
   * Unavailable if hi > lastIndex + 1.
   */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  /** Term of entry i, valid for firstIndex()-1 ≤ i ≤ lastIndex(); throws otherwise. */
  term(i: number): number;
  /** Index of the first available entry. */
  firstIndex(): number;
  /** Index of the last entry (snapshot index if the log is empty). */
  lastIndex(): number;
  /** The most recent snapshot; may throw SnapshotTemporarilyUnavailable. */
  snapshot(): Snapshot;
}

/** Per-follower replication state as seen by a leader (see core/progress.ts). */
export const ProgressState = {
  Probe: 'probe',
  Replicate: 'replicate',
  Snapshot: 'snapshot',
} as const;
/** Union of `ProgressState` values. */
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

/** A leader's view of one peer, reported by `RaftCore.status()`. */
export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  recentActive: boolean;
  isLearner: boolean;
}

/** Snapshot of a node's state for diagnostics and tests. */
export interface RaftStatus {
  id: string;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  confState: ConfState;
  leadTransferee: string;
  /** Only on the leader: progress of every member (including itself). */
  progress?: Record<string, ProgressStatus>;
}

/** Why a local proposal was refused (see `RaftCore.propose`). */
export type DropReason =
  | 'no-leader'
  | 'not-member'
  | 'transferring'
  | 'conf-change-pending'
  | 'learner-not-caught-up'
  | 'invalid-conf-change';
