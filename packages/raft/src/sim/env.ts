import type { Entry, Message } from '../types.js';
import type { EventQueue } from './event-queue.js';
import type { KvOutput } from './kv.js';
import type { Prng } from './prng.js';

/** A node's answer to a client: the op's output, or a definite failure (never applied). */
export type ClientReply = { ok: true; output: KvOutput } | { ok: false };

/** Observer of protocol-level events, used to check safety invariants. */
export interface SafetyObserver {
  /** `node` acts as leader of `term` (became leader or sent leader traffic). */
  onLeader(
    node: string,
    term: number,
    log: (i: number) => Entry | undefined,
    lastIndex: number,
  ): void;
  /** Leader `node` of `term` advanced its commit index to `commit`. */
  onCommit(node: string, term: number, commit: number): void;
  /** `node` applied `entry` to its state machine. */
  onApply(node: string, entry: Entry): void;
}

/** What a simulated node needs from the simulation (dependency injection, no cycles). */
export interface SimEnv {
  readonly q: EventQueue;
  readonly rng: Prng;
  readonly observer: SafetyObserver;
  /** Hands a message to the simulated network. */
  send(m: Message): void;
  /** Sends a reply to a client (through the network delay, never lost). */
  reply(clientId: string, opId: string, r: ClientReply): void;
  /** Appends a line to the run's trace; the thunk runs only when tracing is on. */
  trace(line: () => string): void;
  /** Decides whether the next fsync of `node` fails (fault injection). */
  fsyncFails(node: string): boolean;
}

/** Knobs of a simulated node. */
export interface NodeParams {
  tickMs: number;
  fsyncMs: number;
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  snapshotChunkSize: number;
  /** Compact once this many applied entries sit above the last snapshot. */
  compactEvery: number;
  /**
   * Send a leader's replication traffic (MsgApp, MsgHeartbeat, MsgSnap,
   * MsgTimeoutNow) before its own fsync, as RaftNode does (thesis §10.2.1);
   * votes and acks still wait for the fsync.
   */
  earlyLeaderSends?: boolean;
  /**
   * Deliberately broken driver behaviour, used only to prove the simulator's
   * checks can fail: send a Ready's messages before its fsync, or serve reads
   * from the local state machine without ReadIndex.
   */
  bug?: 'send-before-fsync' | 'local-reads';
}
