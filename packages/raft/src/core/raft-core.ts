import {
  NO_NODE,
  type ConfChange,
  type ConfState,
  type DropReason,
  type HardState,
  type LogStorage,
  type Message,
  type RaftStatus,
  type Ready,
  type SoftState,
} from '../types.js';
import { encodeConfChange } from './confchange.js';
import type { RaftConfig } from './config.js';
import { Raft } from './raft.js';
import { makeMessage } from './util.js';

/** Result of a local proposal: accepted (appended or forwarded) or dropped with a reason. */
export type ProposeResult = { ok: true } | { ok: false; reason: DropReason };

const RESPONSES = new Set<Message['type']>([
  'MsgAppResp',
  'MsgVoteResp',
  'MsgPreVoteResp',
  'MsgHeartbeatResp',
  'MsgSnapResp',
  'MsgUnreachable',
]);

const LOCAL_ONLY = new Set<Message['type']>([
  'MsgHup',
  'MsgBeat',
  'MsgCheckQuorum',
  'MsgSnapStatus',
]);

/**
 * The public, synchronous Raft state machine (etcd's RawNode). It owns no
 * timers, sockets, files or randomness: the driver calls `tick()` on a timer,
 * feeds received messages to `step()`, and loops
 * `if (hasReady()) { rd = ready(); persist; send; apply; advance() }`.
 * Exactly one Ready may be outstanding: call `advance()` before the next `ready()`.
 */
export class RaftCore {
  private readonly r: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Ready | undefined;

  /** Restores from `storage` (hard state, membership, log). */
  constructor(config: RaftConfig, storage: LogStorage) {
    this.r = new Raft(config, storage);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  /** Advances logical time; may start an election or send heartbeats. */
  tick(): void {
    this.r.tick();
  }

  /** Starts an election now (pre-vote first if enabled); a no-op on a leader or non-voter. */
  campaign(): void {
    this.r.step(makeMessage({ type: 'MsgHup', from: this.r.id }));
  }

  /**
   * Proposes application data. On a follower it is forwarded to the leader,
   * which may still drop it; only its appearance in committedEntries means success.
   */
  propose(data: Uint8Array): ProposeResult {
    return this.proposeEntry({ term: 0, index: 0, type: 'normal', data });
  }

  /**
   * Proposes a single-server membership change. The leader refuses it until
   * an entry of its term is committed and the previous change is applied,
   * and refuses promoting a learner that has not caught up to the commit index.
   */
  proposeConfChange(cc: ConfChange): ProposeResult {
    if (this.r.role === 'leader') {
      const reason = this.r.confChangeDropReason(cc);
      if (reason !== undefined) return { ok: false, reason };
    }
    return this.proposeEntry({
      term: 0,
      index: 0,
      type: 'conf-change',
      data: encodeConfChange(cc),
    });
  }

  private proposeEntry(e: Message['entries'][number]): ProposeResult {
    const r = this.r;
    if (r.role !== 'leader' && r.lead === NO_NODE) return { ok: false, reason: 'no-leader' };
    if (r.role === 'leader' && r.leadTransferee !== NO_NODE)
      return { ok: false, reason: 'transferring' };
    if (r.role === 'leader' && !r.trk.progress.has(r.id))
      return { ok: false, reason: 'not-member' };
    r.step(makeMessage({ type: 'MsgProp', from: r.id, entries: [e] }));
    return { ok: true };
  }

  /** Delivers a message from a peer. Local-only kinds are rejected. */
  step(m: Message): void {
    if (LOCAL_ONLY.has(m.type))
      throw new Error(`raft: ${m.type} cannot be stepped from the network`);
    // Responses from non-members are stale (e.g. a removed node): drop them.
    if (!RESPONSES.has(m.type) || this.r.trk.progress.has(m.from)) this.r.step(m);
  }

  /**
   * Requests a linearizable read point. The answer arrives later as a
   * `ReadState` with the same `ctx` (which must be unique per request).
   */
  readIndex(ctx: Uint8Array): void {
    this.r.step(makeMessage({ type: 'MsgReadIndex', from: this.r.id, context: ctx }));
  }

  /** Asks the leader to hand leadership to `to` (§3.10). */
  transferLeader(to: string): void {
    this.r.step(makeMessage({ type: 'MsgTransferLeader', from: to, term: 0 }));
  }

  /** Tells the leader that `id` is unreachable (drops it back to probing). */
  reportUnreachable(id: string): void {
    this.r.step(makeMessage({ type: 'MsgUnreachable', from: id }));
  }

  /** Applies a committed conf-change entry's change; returns the new membership. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.r.applyConfChange(cc);
  }

  /** True if there is anything for the driver to do. */
  hasReady(): boolean {
    const r = this.r;
    return (
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== undefined ||
      r.log.hasNextCommittedEnts() ||
      !softEqual(this.softState(), this.prevSoft) ||
      !hardEqual(this.hardState(), this.prevHard)
    );
  }

  /** Collects pending work; see `Ready` for the order the driver must follow. */
  ready(): Ready {
    if (this.outstanding !== undefined)
      throw new Error('raft: ready() called twice without advance()');
    const r = this.r;
    const rd: Ready = {
      entries: [...r.log.unstable.entries],
      committedEntries: r.log.nextCommittedEnts(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: false,
    };
    if (r.log.unstable.snapshot !== undefined) rd.snapshot = r.log.unstable.snapshot;
    const soft = this.softState();
    if (!softEqual(soft, this.prevSoft)) rd.softState = soft;
    const hard = this.hardState();
    if (!hardEqual(hard, this.prevHard)) rd.hardState = hard;
    rd.mustSync =
      rd.entries.length > 0 || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    r.msgs = [];
    r.readStates = [];
    this.outstanding = rd;
    return rd;
  }

  /** Marks the last Ready as persisted and applied. */
  advance(): void {
    const rd = this.outstanding;
    if (rd === undefined) throw new Error('raft: advance() without ready()');
    this.outstanding = undefined;
    const log = this.r.log;
    if (rd.softState !== undefined) this.prevSoft = rd.softState;
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    if (rd.snapshot !== undefined) {
      log.unstable.stableSnapTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > log.applied) log.applied = rd.snapshot.meta.index;
    }
    const lastEnt = rd.entries[rd.entries.length - 1];
    if (lastEnt !== undefined) log.unstable.stableTo(lastEnt.index, lastEnt.term);
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) log.appliedTo(lastApplied.index);
  }

  /** Index of the last entry handed to the application (cheap; see `status()` for more). */
  appliedIndex(): number {
    return this.r.log.applied;
  }

  /** Current membership as applied so far (a copy). */
  confState(): ConfState {
    return this.r.trk.confState();
  }

  /** Current state for diagnostics and tests (a copy). */
  status(): RaftStatus {
    const r = this.r;
    const st: RaftStatus = {
      id: r.id,
      hardState: this.hardState(),
      softState: this.softState(),
      applied: r.log.applied,
      confState: r.trk.confState(),
      leadTransferee: r.leadTransferee,
    };
    if (r.role === 'leader') {
      st.progress = {};
      for (const [id, pr] of r.trk.progress) st.progress[id] = pr.toStatus();
    }
    return st;
  }

  private softState(): SoftState {
    return { lead: this.r.lead, role: this.r.role };
  }

  private hardState(): HardState {
    return { term: this.r.term, vote: this.r.vote, commit: this.r.log.committed };
  }
}

function softEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.role === b.role;
}

function hardEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
