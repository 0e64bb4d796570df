import { randomBytes } from 'node:crypto';
import { RaftCore } from '../core/raft-core.js';
import { makeMessage } from '../core/util.js';
import type {
  ConfChange,
  ConfChangeType,
  ConfState,
  Entry,
  Message,
  RaftStatus,
  Ready,
  SoftState,
} from '../types.js';
import { NO_NODE, RaftStorageError } from '../types.js';
import { Applier } from './applier.js';
import { wrap } from './envelope.js';
import { LeadershipLostError, NodeErrorCode, NotLeaderError, RaftNodeError } from './errors.js';
import { type RaftNodeOptions, type ResolvedNodeOptions, resolveNodeOptions } from './options.js';
import { planReady } from './ready-plan.js';
import { decodeNodeSnapshot } from './snapshot-data.js';
import { ReadTracker } from './reads.js';
import { deferred, type Waiter } from './waiters.js';

interface QueuedProposal<R> {
  data: Uint8Array;
  waiter: Waiter<R>;
}

interface QueuedConfChange {
  type: ConfChangeType;
  nodeId: string;
  addr: string;
  waiter: Waiter<ConfState>;
}

const enc = new TextEncoder();

/**
 * The Raft driver (swarmkit's `Node.Run`): owns a `RaftCore` and performs its
 * effects. Everything that touches the core happens in one loop, in this order
 * per `Ready`: persist snapshot, entries and hard state (fsync) → send messages
 * → apply the snapshot and committed entries in log order → serve reads →
 * `advance()` → maybe take a snapshot and compact. Two overlaps keep that
 * contract (see `planReady`): a leader's replication messages leave before its
 * own fsync, and entries committed by earlier Readys (already durable) are
 * applied while this Ready's fsync is in flight. Inputs (ticks, messages,
 * proposals) arriving while a Ready is in flight wait in an inbox and are fed
 * to the core together, so concurrent proposals share one fsync.
 */
export class RaftNode<R = unknown> {
  private readonly o: ResolvedNodeOptions<R>;
  private core: RaftCore | undefined;
  private readonly tag = randomBytes(6).toString('base64');
  private seq = 0;
  private soft: SoftState = { lead: NO_NODE, role: 'follower' };
  private transfers: string[] = [];
  private campaignRequested = false;
  private readonly ap: Applier<R>;
  private ticks = 0;
  private inbox: Message[] = [];
  private unreachable = new Set<string>();
  private proposals: QueuedProposal<R>[] = [];
  private confChanges: QueuedConfChange[] = [];
  private readonly reads: ReadTracker;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  /** The snapshot being written in the background, if any (at most one). */
  private snapshotTask: Promise<void> | undefined;
  private failure: unknown;
  /**
   * A commit-index-only hard state change needs no fsync (the commit index is
   * recoverable from a quorum); it is written with the next batch instead.
   */
  private lazyHardState: Ready['hardState'];
  /** Diagnostics: snapshots installed from a leader and taken locally; messages the core refused. */
  readonly counters = { snapshotsInstalled: 0, snapshotsTaken: 0, badMessages: 0 };

  constructor(options: RaftNodeOptions<R>) {
    this.o = resolveNodeOptions(options);
    this.reads = new ReadTracker(this.tag, this.o.readTimeoutMs);
    const addrs = new Map(Object.entries(options.peers));
    this.ap = new Applier(options.id, this.tag, options.stateMachine, options.transport, addrs);
  }

  /**
   * Restores the state machine (from the latest snapshot unless it reports a
   * later applied index), builds the core from storage, starts the transport,
   * the tick timer and the loop.
   */
  async start(): Promise<void> {
    const { storage, stateMachine: sm, transport } = this.o;
    const snap = storage.snapshot();
    const book = decodeNodeSnapshot(snap.data);
    for (const [id, addr] of book.addrs) if (!this.ap.addrs.has(id)) this.ap.addrs.set(id, addr);
    const smApplied = sm.appliedIndex?.() ?? 0;
    if (smApplied < snap.meta.index) {
      if (snap.meta.index > 0) sm.restore(book.state);
      this.ap.applied = snap.meta.index;
    } else this.ap.applied = smApplied;
    // Core `applied` stays at the snapshot so committed conf changes are replayed into it.
    this.core = new RaftCore(
      {
        id: this.o.id,
        rand: this.o.rand,
        electionTick: this.o.electionTick,
        heartbeatTick: this.o.heartbeatTick,
        preVote: this.o.preVote,
        checkQuorum: this.o.checkQuorum,
      },
      storage,
    );
    for (const [id, addr] of this.ap.addrs) if (id !== this.o.id) transport.addPeer(id, addr);
    transport.onMessage((m) => this.push(() => this.inbox.push(m)));
    transport.onUnreachable((id) => this.push(() => this.unreachable.add(id)));
    await transport.start();
    this.timer = setInterval(() => this.push(() => this.ticks++), this.o.tickMs);
    this.loop = this.run();
  }

  /** Stops the loop and the transport; pending requests reject with code 'stopped'. Storage stays open. */
  async stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      clearInterval(this.timer);
      this.wake?.();
      await this.loop;
      await this.snapshotTask;
      await this.o.transport.stop();
      this.failAll(
        new RaftNodeError(NodeErrorCode.Stopped, 'raft node stopped', { cause: this.failure }),
      );
    })();
    return this.stopped;
  }

  /** Id of the leader this node knows of ('' if none). */
  get leader(): string {
    return this.soft.lead;
  }

  /** True while this node is the leader. */
  get isLeader(): boolean {
    return this.soft.role === 'leader';
  }

  /** Index of the last entry applied to the state machine. */
  get appliedIndex(): number {
    return this.ap.applied;
  }

  /**
   * Starts an election now instead of waiting for the election timeout (a freshly bootstrapped
   * single-member cluster, `force-new-cluster`). Ignored by a node that is not a voter.
   */
  campaign(): void {
    this.push(() => (this.campaignRequested = true));
  }

  /** Asks this node, if leader, to hand leadership to `to` (§3.10); best effort, check `leader` after. */
  transferLeader(to: string): void {
    this.push(() => this.transfers.push(to));
  }

  /** The core's status (membership, and per-peer progress on a leader). */
  status(): RaftStatus {
    return this.requireCore().status();
  }

  /** Transport address (`host:port`) of a member, from the address book; '' if unknown. */
  peerAddr(id: string): string {
    return this.ap.addrs.get(id) ?? '';
  }

  /** Current membership as the core sees it. */
  confState(): ConfState {
    return this.requireCore().status().confState;
  }

  /**
   * Replicates `data`; resolves with the state machine's result once the
   * entry is applied here. Rejects with `NotLeaderError` on a follower, and
   * with `LeadershipLostError` if leadership is lost first (outcome unknown).
   */
  propose(data: Uint8Array): Promise<R> {
    const { promise, waiter } = deferred<R>();
    this.push(() => this.proposals.push({ data, waiter }));
    return promise;
  }

  /**
   * Linearizable read point: resolves with an index once the leader confirmed
   * it is still leader and this node has applied through that index; reading
   * the local state machine then is linearizable. Works on followers too.
   */
  readIndex(): Promise<number> {
    let p: Promise<number> | undefined;
    this.push(() => (p = this.reads.request()));
    return p as Promise<number>;
  }

  /** Adds `id` (reachable at `addr`) as a voter; resolves with the new membership once applied. */
  addVoter(id: string, addr: string): Promise<ConfState> {
    return this.changeConf('add-node', id, addr);
  }

  /** Adds `id` as a learner (receives the log, does not vote). */
  addLearner(id: string, addr: string): Promise<ConfState> {
    return this.changeConf('add-learner', id, addr);
  }

  /** Removes `id` from the membership. */
  removeNode(id: string): Promise<ConfState> {
    return this.changeConf('remove-node', id, '');
  }

  private changeConf(type: ConfChangeType, nodeId: string, addr: string): Promise<ConfState> {
    const { promise, waiter } = deferred<ConfState>();
    this.push(() => this.confChanges.push({ type, nodeId, addr, waiter }));
    return promise;
  }

  /** Queues an input for the loop and wakes it; after failure or stop, inputs are refused. */
  private push(add: () => void): void {
    add();
    if (this.stopping) {
      this.failAll(
        new RaftNodeError(NodeErrorCode.Stopped, 'raft node stopped', { cause: this.failure }),
      );
      return;
    }
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    const core = this.requireCore();
    try {
      while (!this.stopping) {
        this.feed(core);
        if (core.hasReady()) await this.handleReady(core, core.ready());
        else if (!this.hasInput()) await new Promise<void>((r) => (this.wake = r));
      }
    } catch (err) {
      this.fail(err);
    }
  }

  /** Stops the loop after an unrecoverable error; `stop()` still releases the transport. */
  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.stopping = true;
    clearInterval(this.timer);
    this.wake?.();
    this.failAll(new RaftNodeError(NodeErrorCode.Stopped, 'raft node failed', { cause: err }));
    this.o.onFatal?.(err);
  }

  private hasInput(): boolean {
    return (
      this.ticks > 0 ||
      this.inbox.length > 0 ||
      this.unreachable.size > 0 ||
      this.proposals.length > 0 ||
      this.confChanges.length > 0 ||
      this.reads.queued ||
      this.transfers.length > 0 ||
      this.campaignRequested
    );
  }

  /** Hands every queued input to the core, in arrival order per kind. */
  private feed(core: RaftCore): void {
    for (; this.ticks > 0; this.ticks--) core.tick();
    const msgs = this.inbox;
    this.inbox = [];
    for (const m of msgs) if (!stepSafely(core, m)) this.counters.badMessages++;
    for (const id of this.unreachable) core.reportUnreachable(id);
    this.unreachable.clear();
    if (this.proposals.length > 0) this.feedProposals(core);
    if (this.confChanges.length > 0) this.feedConfChanges(core);
    if (this.reads.queued) this.reads.feed(core, this.soft.lead);
    for (const to of this.transfers.splice(0)) core.transferLeader(to);
    if (this.campaignRequested) {
      this.campaignRequested = false;
      core.campaign();
    }
  }

  /** Why this node cannot take proposals now, or undefined if it can (it leads, is a member, no transfer). */
  private proposalRefusal(core: RaftCore): RaftNodeError | undefined {
    const st = core.status();
    if (st.softState.role !== 'leader') return new NotLeaderError(st.softState.lead);
    if (st.leadTransferee !== NO_NODE) return new NotLeaderError(NO_NODE);
    const { voters, learners } = st.confState;
    if (!voters.includes(this.o.id) && !learners.includes(this.o.id)) {
      return new RaftNodeError(NodeErrorCode.Dropped, 'this node is no longer a member');
    }
    return undefined;
  }

  private feedProposals(core: RaftCore): void {
    const batch = this.proposals;
    this.proposals = [];
    const refusal = this.proposalRefusal(core);
    if (refusal !== undefined) {
      for (const p of batch) p.waiter.reject(refusal);
      return;
    }
    const entries: Entry[] = batch.map((p) => {
      const seq = ++this.seq;
      this.ap.pending.add(seq, p.waiter);
      return { term: 0, index: 0, type: 'normal', data: wrap(this.tag, seq, p.data) };
    });
    // One MsgProp for the whole batch: one append, one broadcast, one fsync.
    core.step(makeMessage({ type: 'MsgProp', from: this.o.id, entries }));
  }

  private feedConfChanges(core: RaftCore): void {
    const batch = this.confChanges;
    this.confChanges = [];
    const refusal = this.proposalRefusal(core);
    for (const c of batch) {
      if (refusal !== undefined) {
        c.waiter.reject(refusal);
        continue;
      }
      const seq = ++this.seq;
      const cc: ConfChange = {
        type: c.type,
        nodeId: c.nodeId,
        context: wrap(this.tag, seq, enc.encode(c.addr)),
      };
      const res = core.proposeConfChange(cc);
      if (res.ok) this.ap.pendingConf.add(seq, c.waiter);
      else
        c.waiter.reject(
          new RaftNodeError(NodeErrorCode.Dropped, `conf change dropped: ${res.reason}`),
        );
    }
  }

  private async handleReady(core: RaftCore, rd: Ready): Promise<void> {
    const { storage, transport } = this.o;
    const plan = planReady(rd, (rd.softState ?? this.soft).role, storage.lastIndex());
    transport.send(plan.early);
    const persisted = this.persist(rd);
    try {
      // Entries committed in earlier Readys are on disk already: apply them while the fsync runs.
      for (const e of plan.applyFirst) this.ap.apply(core, e);
    } finally {
      await persisted;
    }
    transport.send(plan.late);
    if (rd.snapshot !== undefined) {
      this.ap.restoreSnapshot(rd.snapshot.data, rd.snapshot.meta.index);
      this.counters.snapshotsInstalled++;
    }
    for (const e of plan.applyAfter) this.ap.apply(core, e);
    this.reads.onReadStates(rd.readStates);
    this.reads.serve(this.ap.applied);
    if (rd.softState !== undefined) this.onSoftState(rd.softState);
    core.advance();
    this.maybeSnapshot(core);
  }

  /** Writes the snapshot, entries and hard state of `rd`; resolves once durable. */
  private async persist(rd: Ready): Promise<void> {
    const { storage } = this.o;
    if (rd.snapshot !== undefined) await storage.saveSnapshot(rd.snapshot);
    if (rd.entries.length > 0 || rd.mustSync) {
      await storage.save(rd.hardState ?? this.lazyHardState, rd.entries);
      this.lazyHardState = undefined;
    } else if (rd.hardState !== undefined) this.lazyHardState = rd.hardState;
  }

  private onSoftState(ss: SoftState): void {
    const wasLeader = this.soft.role === 'leader';
    const before = this.soft;
    this.soft = ss;
    if (before.lead !== ss.lead || wasLeader !== (ss.role === 'leader')) {
      this.o.onLeaderChange?.({ leader: ss.lead, isLeader: ss.role === 'leader' });
    }
    if (wasLeader && ss.role !== 'leader') {
      const err = new LeadershipLostError();
      this.ap.pending.rejectAll(err);
      this.ap.pendingConf.rejectAll(err);
      this.reads.rejectAll(err);
    }
  }

  /**
   * Starts a snapshot when `snapshotEvery` entries were applied since the last
   * one. State and membership are captured now, at the applied index; the file
   * is written and the log compacted in the background so the loop (and its
   * fsyncs) go on meanwhile. At most one snapshot is in flight.
   */
  private maybeSnapshot(core: RaftCore): void {
    const { storage } = this.o;
    const applied = this.ap.applied;
    if (this.snapshotTask !== undefined) return;
    if (applied - storage.snapshot().meta.index < this.o.snapshotEvery) return;
    const conf = core.status().confState;
    const data = this.ap.snapshotData();
    this.snapshotTask = this.writeSnapshot(applied, conf, data).then(
      () => (this.snapshotTask = undefined),
      (err: unknown) => {
        this.snapshotTask = undefined;
        this.fail(err);
      },
    );
  }

  private async writeSnapshot(applied: number, conf: ConfState, data: Uint8Array): Promise<void> {
    const { storage } = this.o;
    try {
      await storage.createSnapshot(applied, conf, data);
    } catch (err) {
      // A leader's newer snapshot was installed meanwhile: nothing to do.
      if (err instanceof RaftStorageError && err.code === 'snapshot-out-of-date') return;
      throw err;
    }
    this.counters.snapshotsTaken++;
    const compactTo = applied - this.o.catchUpEntries;
    if (compactTo >= storage.firstIndex()) await storage.compact(compactTo);
  }

  private failAll(err: unknown): void {
    this.ap.pending.rejectAll(err);
    this.ap.pendingConf.rejectAll(err);
    this.reads.rejectAll(err);
    const props = this.proposals;
    const confs = this.confChanges;
    this.proposals = [];
    this.confChanges = [];
    for (const p of props) p.waiter.reject(err);
    for (const c of confs) c.waiter.reject(err);
  }

  private requireCore(): RaftCore {
    if (this.core === undefined) throw new Error('raft node: not started');
    return this.core;
  }
}

/** Steps `m`; false if the core threw. A malformed or stale message must not take the node down. */
function stepSafely(core: RaftCore, m: Message): boolean {
  try {
    core.step(m);
    return true;
  } catch {
    // Dropped (and counted): Raft tolerates message loss, and a peer's bug must not stop this node.
    return false;
  }
}
