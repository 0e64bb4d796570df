import type { RaftStorage } from '../storage/storage.js';
import type { Transport } from '../transport/transport.js';
import type { StateMachine } from './state-machine.js';

/** Configuration of a `RaftNode`. Durations are in milliseconds, timeouts in ticks. */
export interface RaftNodeOptions<R> {
  /** This node's id; must be a member of the storage's membership to campaign. */
  id: string;
  /** Address book: peer id → `host:port` of its transport. Conf changes extend it. */
  peers: Record<string, string>;
  /** The log; the caller opens it (bootstrapping membership) and closes it after `stop()`. */
  storage: RaftStorage;
  /** The network; the node starts and stops it. */
  transport: Transport;
  /** The replicated application. */
  stateMachine: StateMachine<R>;
  /** Length of one tick (default 100). */
  tickMs?: number;
  /** Election timeout in ticks, randomized in [e, 2e) (default 10). */
  electionTick?: number;
  /** Heartbeat interval in ticks (default 1). */
  heartbeatTick?: number;
  /** Pre-vote round before campaigns (default true). */
  preVote?: boolean;
  /** Leader steps down without quorum contact (default true). */
  checkQuorum?: boolean;
  /** Take a snapshot after this many applied entries (default 10,000). */
  snapshotEvery?: number;
  /** Entries kept before the snapshot index for slow followers (default 1,000). */
  catchUpEntries?: number;
  /** Deadline of `readIndex()` (default 2 election timeouts). */
  readTimeoutMs?: number;
  /** Randomness for election timeouts (default Math.random). */
  rand?: () => number;
  /** Called once if the node stops because of an error (storage failure, apply throwing). */
  onFatal?: (err: unknown) => void;
  /** Called from the loop whenever the known leader or this node's role changes. */
  onLeaderChange?: (change: LeaderChange) => void;
}

/** What `onLeaderChange` reports: the leader this node now knows ('' if none) and whether it is this node. */
export interface LeaderChange {
  leader: string;
  isLeader: boolean;
}

/** `RaftNodeOptions` with defaults applied. */
export type ResolvedNodeOptions<R> = Required<
  Omit<RaftNodeOptions<R>, 'onFatal' | 'onLeaderChange'>
> &
  Pick<RaftNodeOptions<R>, 'onFatal' | 'onLeaderChange'>;

/** Fills in defaults. */
export function resolveNodeOptions<R>(o: RaftNodeOptions<R>): ResolvedNodeOptions<R> {
  const tickMs = o.tickMs ?? 100;
  const electionTick = o.electionTick ?? 10;
  return {
    ...o,
    tickMs,
    electionTick,
    heartbeatTick: o.heartbeatTick ?? 1,
    preVote: o.preVote ?? true,
    checkQuorum: o.checkQuorum ?? true,
    snapshotEvery: o.snapshotEvery ?? 10_000,
    catchUpEntries: o.catchUpEntries ?? 1_000,
    readTimeoutMs: o.readTimeoutMs ?? 2 * electionTick * tickMs,
    rand: o.rand ?? Math.random,
  };
}
