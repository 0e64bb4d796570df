import {
  NO_NODE,
  RaftRole,
  type ConfChange,
  type ConfState,
  type DropReason,
  type Entry,
  type LogStorage,
  type Message,
  type ReadState,
} from '../types.js';
import { applyToConfState } from './confchange.js';
import { resolveConfig, type RaftConfig, type ResolvedConfig } from './config.js';
import { stepCandidate, stepFollower } from './follower.js';
import { stepLeader } from './leader.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import { bcastAppend, bcastHeartbeat } from './replication.js';
import { SnapshotAssembler } from './snapshot-assembler.js';
import { Tracker } from './tracker.js';
import { makeMessage } from './util.js';
import { stepCommon } from './vote.js';

/**
 * The Raft state machine proper (etcd's raft struct). Entirely synchronous:
 * it mutates its state and queues outgoing messages in `msgs`; `RaftCore`
 * turns that into `Ready`s. Step functions for each role live in
 * leader.ts/follower.ts; replication in replication.ts.
 */
export class Raft {
  readonly cfg: ResolvedConfig;
  readonly id: string;
  term = 0;
  vote: string = NO_NODE;
  lead: string = NO_NODE;
  role: RaftRole = RaftRole.Follower;
  readonly log: RaftLog;
  readonly trk: Tracker;
  readonly readOnly = new ReadOnly();
  readonly assembler = new SnapshotAssembler();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** ReadIndex requests held until the leader commits an entry of its term. */
  pendingReadIndex: Message[] = [];
  leadTransferee: string = NO_NODE;
  /** Index of the last conf change proposed by this leader. */
  pendingConfIndex = 0;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;

  constructor(config: RaftConfig, storage: LogStorage) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    this.log = new RaftLog(storage);
    this.trk = new Tracker(this.cfg.maxInflightMsgs);
    const { hardState, confState } = storage.initialState();
    this.trk.setConf(confState, this.log.lastIndex() + 1);
    if (hardState.commit > 0) this.log.commitTo(hardState.commit);
    this.term = hardState.term;
    this.vote = hardState.vote;
    if (this.cfg.applied !== undefined && this.cfg.applied > 0)
      this.log.appliedTo(this.cfg.applied);
    this.becomeFollower(this.term, NO_NODE);
  }

  /** Queues a message for the next Ready, stamping `from` and (for non-votes) `term`. */
  send(m: Partial<Message> & Pick<Message, 'type' | 'to'>): void {
    const msg = makeMessage({ from: this.id, ...m });
    const keepsTerm =
      msg.type === 'MsgVote' ||
      msg.type === 'MsgPreVote' ||
      msg.type === 'MsgVoteResp' ||
      msg.type === 'MsgPreVoteResp';
    if (!keepsTerm && msg.type !== 'MsgProp' && msg.type !== 'MsgReadIndex') msg.term = this.term;
    this.msgs.push(msg);
  }

  /** True if this node may campaign: a voter with no snapshot waiting to be applied. */
  promotable(): boolean {
    return this.trk.voters.has(this.id) && this.log.unstable.snapshot === undefined;
  }

  /** True once the leader's commit index points at an entry of its own term. */
  committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.lead = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.cfg.electionTick + Math.floor(this.cfg.rand() * this.cfg.electionTick);
    this.leadTransferee = NO_NODE;
    this.trk.votes.clear();
    const last = this.log.lastIndex();
    const cs = this.trk.confState();
    this.trk.progress.clear();
    this.trk.setConf(cs, last + 1);
    for (const pr of this.trk.progress.values()) pr.recentActive = false;
    const self = this.trk.progress.get(this.id);
    if (self !== undefined) self.match = last;
    this.pendingConfIndex = 0;
    this.readOnly.reset();
    this.pendingReadIndex = [];
  }

  /** Steps down to follower of `lead` (NO_NODE if unknown) at `term`. */
  becomeFollower(term: number, lead: string): void {
    this.reset(term);
    this.lead = lead;
    this.role = RaftRole.Follower;
  }

  /** Starts a pre-vote round: term is not bumped, vote is kept (§9.6). */
  becomePreCandidate(): void {
    if (this.role === RaftRole.Leader) throw new Error('raft: leader cannot become pre-candidate');
    this.trk.votes.clear();
    this.lead = NO_NODE;
    this.role = RaftRole.PreCandidate;
  }

  /** §5.2: increments the term and votes for itself. */
  becomeCandidate(): void {
    if (this.role === RaftRole.Leader) throw new Error('raft: leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = RaftRole.Candidate;
  }

  /** Takes leadership and appends the no-op entry of the new term (§8). */
  becomeLeader(): void {
    if (this.role === RaftRole.Follower) throw new Error('raft: follower cannot become leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = RaftRole.Leader;
    const self = this.trk.progress.get(this.id);
    self?.becomeReplicate();
    if (self !== undefined) self.recentActive = true;
    this.pendingConfIndex = this.log.lastIndex();
    this.appendEntries([{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }]);
  }

  /** Leader: stamps term/index on `ents`, appends them and counts its own match. */
  appendEntries(ents: Entry[]): void {
    const li = this.log.lastIndex();
    const stamped = ents.map((e, i) => ({ ...e, term: this.term, index: li + 1 + i }));
    const last = this.log.append(stamped);
    this.trk.progress.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
  }

  /** Leader: advances commit to the quorum match if allowed by §5.4.2. */
  maybeCommit(): boolean {
    const committed = this.log.maybeCommit(this.trk.committed(), this.term);
    if (committed && this.committedInCurrentTerm()) this.releasePendingReadIndex();
    return committed;
  }

  private releasePendingReadIndex(): void {
    const held = this.pendingReadIndex;
    this.pendingReadIndex = [];
    for (const m of held) stepLeader(this, m);
  }

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.role === RaftRole.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(makeMessage({ type: 'MsgHup', from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step(makeMessage({ type: 'MsgCheckQuorum', from: this.id }));
      if (this.role === RaftRole.Leader && this.leadTransferee !== NO_NODE)
        this.abortLeaderTransfer();
    }
    if (this.role !== RaftRole.Leader) return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.step(makeMessage({ type: 'MsgBeat', from: this.id }));
    }
  }

  /** Cancels an in-progress leadership transfer. */
  abortLeaderTransfer(): void {
    this.leadTransferee = NO_NODE;
  }

  /** Processes one message (network or local). Term rules first, then the role's handler. */
  step(m: Message): void {
    if (!stepCommon(this, m)) return;
    switch (this.role) {
      case RaftRole.Leader:
        stepLeader(this, m);
        break;
      case RaftRole.Follower:
        stepFollower(this, m);
        break;
      default:
        stepCandidate(this, m);
    }
  }

  /** Leader: sends entries or heartbeats to everyone (after becoming leader, commit changes). */
  bcastAppend(): void {
    bcastAppend(this);
  }

  /** Leader: heartbeats carrying the latest pending ReadIndex context. */
  bcastHeartbeat(): void {
    bcastHeartbeat(this, this.readOnly.lastPendingCtx());
  }

  /**
   * Applies a committed conf change (called by the driver when it applies the
   * entry). Updates quorum rules at once; a removed leader steps down.
   */
  applyConfChange(cc: ConfChange): ConfState {
    const cs = applyToConfState(this.trk.confState(), cc);
    this.trk.setConf(cs, this.log.lastIndex() + 1);
    if (this.role !== RaftRole.Leader) return cs;
    if (!this.trk.voters.has(this.id)) {
      this.becomeFollower(this.term, NO_NODE);
      return cs;
    }
    if (this.leadTransferee !== NO_NODE && !this.trk.voters.has(this.leadTransferee)) {
      this.abortLeaderTransfer();
    }
    if (this.maybeCommit()) this.bcastAppend();
    return cs;
  }

  /** Proposal admission for conf changes: the thesis-errata and learner rules. */
  confChangeDropReason(cc: ConfChange): DropReason | undefined {
    if (this.pendingConfIndex > this.log.applied || !this.committedInCurrentTerm()) {
      return 'conf-change-pending';
    }
    const isVoter = this.trk.voters.has(cc.nodeId);
    const isLearner = this.trk.learners.has(cc.nodeId);
    // add-node of a voter is a no-op change, allowed (as in etcd): it records a member that
    // exists only in a bootstrap snapshot in the log, with its address, for later joiners.
    if (cc.type === 'add-learner' && (isVoter || isLearner)) return 'invalid-conf-change';
    if (cc.type === 'remove-node' && !isVoter && !isLearner) return 'invalid-conf-change';
    if (cc.type === 'remove-node' && isVoter && this.trk.voters.size === 1)
      return 'invalid-conf-change';
    if (cc.type === 'add-node' && isLearner) {
      const pr = this.trk.progress.get(cc.nodeId);
      if (pr === undefined || pr.match < this.log.committed) return 'learner-not-caught-up';
    }
    return undefined;
  }
}
