/** Why a `RaftNode` request failed. */
export const NodeErrorCode = {
  /** This node is not the leader; `leader` names the one it knows, if any. */
  NotLeader: 'not-leader',
  /** Leadership was lost while the request was pending: it may or may not commit. */
  LeadershipLost: 'leadership-lost',
  /** The core refused the proposal (e.g. a conf change is already pending). */
  Dropped: 'dropped',
  /** The node stopped (or failed) before the request completed. */
  Stopped: 'stopped',
  /** No answer within the request's deadline. */
  Timeout: 'timeout',
} as const;
/** Union of `NodeErrorCode` values. */
export type NodeErrorCode = (typeof NodeErrorCode)[keyof typeof NodeErrorCode];

/** Base of every error a `RaftNode` request rejects with; `code` says which. */
export class RaftNodeError extends Error {
  override readonly name: string = 'RaftNodeError';
  constructor(
    readonly code: NodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The request went to a follower; retry on `leader` (empty when unknown). */
export class NotLeaderError extends RaftNodeError {
  override readonly name = 'NotLeaderError';
  constructor(readonly leader: string) {
    super(
      NodeErrorCode.NotLeader,
      leader ? `not the leader; leader is ${leader}` : 'not the leader; no leader known',
    );
  }
}

/**
 * Leadership was lost while a proposal was in flight, so its outcome is
 * unknown: it may still be committed by the next leader. Callers must treat
 * the write as ambiguous (retry only if idempotent).
 */
export class LeadershipLostError extends RaftNodeError {
  override readonly name = 'LeadershipLostError';
  constructor() {
    super(
      NodeErrorCode.LeadershipLost,
      'leadership lost before the entry was applied; outcome unknown',
    );
  }
}
