/**
 * Configuration of one `RaftCore`. Ticks are logical: the driver decides how
 * long a tick is (swarmkit: 1 s). Randomness is injected so runs replay.
 */
export interface RaftConfig {
  /** This node's id (non-empty). */
  id: string;
  /** Ticks without leader contact before a follower campaigns; randomized in [e, 2e). Default 10. */
  electionTick?: number;
  /** Ticks between leader heartbeats. Default 1. Must be < electionTick. */
  heartbeatTick?: number;
  /** Uniform random number in [0, 1); the only source of randomness. */
  rand: () => number;
  /** Run a pre-vote round before bumping the term (thesis §9.6). Default true. */
  preVote?: boolean;
  /** Leader steps down without quorum contact per election timeout; enables the vote lease. Default true. */
  checkQuorum?: boolean;
  /** Soft byte limit of entries per MsgApp. Default 1 MiB. */
  maxSizePerMsg?: number;
  /** In-flight MsgApp window per follower in replicate state. Default 256. */
  maxInflightMsgs?: number;
  /** Bytes of snapshot data per MsgSnap chunk. Default 1 MiB. */
  snapshotChunkSize?: number;
  /** Index the state machine has already applied (on restart). Default: snapshot index. */
  applied?: number;
}

/** `RaftConfig` with every default filled in. */
export type ResolvedConfig = Required<Omit<RaftConfig, 'applied'>> & {
  applied: number | undefined;
};

/** Fills defaults and validates; throws on an invalid config. */
export function resolveConfig(c: RaftConfig): ResolvedConfig {
  const r: ResolvedConfig = {
    id: c.id,
    electionTick: c.electionTick ?? 10,
    heartbeatTick: c.heartbeatTick ?? 1,
    rand: c.rand,
    preVote: c.preVote ?? true,
    checkQuorum: c.checkQuorum ?? true,
    maxSizePerMsg: c.maxSizePerMsg ?? 1024 * 1024,
    maxInflightMsgs: c.maxInflightMsgs ?? 256,
    snapshotChunkSize: c.snapshotChunkSize ?? 1024 * 1024,
    applied: c.applied,
  };
  if (r.id === '') throw new Error('raft: id must be non-empty');
  if (r.heartbeatTick <= 0) throw new Error('raft: heartbeatTick must be > 0');
  if (r.electionTick <= r.heartbeatTick)
    throw new Error('raft: electionTick must be > heartbeatTick');
  if (r.maxInflightMsgs <= 0) throw new Error('raft: maxInflightMsgs must be > 0');
  if (r.snapshotChunkSize <= 0) throw new Error('raft: snapshotChunkSize must be > 0');
  return r;
}
