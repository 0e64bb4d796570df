import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SwarmletError, type Logger } from '@swarmlet/api-types';
import type { TlsMaterial } from '@swarmlet/ca';
import {
  ControlServer,
  Manager,
  RaftProposer,
  StoreStateMachine,
  raftError,
  type ApplyOutcome,
} from '@swarmlet/manager';
import { FileStorage, NotLeaderError, RaftNode, WsTransport } from '@swarmlet/raft';
import { MemoryStore, type WatchQueue } from '@swarmlet/store';
import { raftDir } from './node-state.js';
import { loadDataKey, raftCipher, saveDataKey } from './data-key.js';
import { checkServerIsManager } from './tls-check.js';
import { reconcileMembership } from './membership.js';

export interface ManagerNodeOptions {
  dataDir: string;
  nodeId: string;
  advertiseAddr: string;
  /** Known Raft members (id → address), from the join; the log and snapshots add the rest. */
  peers: Record<string, string>;
  tls: TlsMaterial;
  log: Logger;
  /** `new`: bootstrap as the only voter; `join`: empty log, wait for the leader. */
  bootstrap: 'new' | 'join' | 'existing';
  /** Overrides the cluster's heartbeat period (tests). */
  heartbeatPeriodMs?: number | undefined;
  /** Unwraps the data key of an autolocked manager. */
  unlockKey?: string | undefined;
  tickMs?: number;
  electionTick?: number;
}

/**
 * One manager's replicated state: the store applied from the Raft log (`FileStorage` under
 * `<data-dir>/raft`), the Raft node with its WebSocket transport (served on the cluster port),
 * and, while this manager leads, the control loops. Leadership changes start and stop them;
 * a new leader first waits until it has applied everything committed before its term.
 */
export class ManagerNode {
  readonly control: ControlServer;
  private leaderLoops: Manager | undefined;
  private transition: Promise<void> = Promise.resolve();
  private membershipTimer: NodeJS.Timeout | undefined;
  private keyWatch: WatchQueue | undefined;
  private stopped = false;

  private constructor(
    private readonly o: ManagerNodeOptions,
    readonly store: MemoryStore,
    readonly raft: RaftNode<ApplyOutcome>,
    readonly transport: WsTransport,
    private readonly storage: FileStorage,
    private readonly dek: Buffer,
    /** The unlock key the data key is wrapped with now (undefined: not locked). */
    private wrappedWith: string | undefined,
  ) {
    this.control = new ControlServer(store);
  }

  static async open(o: ManagerNodeOptions): Promise<ManagerNode> {
    // Every entry and snapshot is sealed on disk with this manager's data key.
    const dek = await loadDataKey(o.dataDir, o.unlockKey);
    const storage = await FileStorage.open(raftDir(o.dataDir), {
      initialConf: { voters: o.bootstrap === 'new' ? [o.nodeId] : [], learners: [] },
      cipher: raftCipher(dek),
    });
    const transport = new WsTransport({
      id: o.nodeId,
      port: 0,
      external: true,
      tls: o.tls,
      requireCertId: true,
      checkServerIdentity: checkServerIsManager,
    });
    // The store's proposer and the leader callback need the node built after them.
    const late: { node?: RaftNode<ApplyOutcome>; self?: ManagerNode } = {};
    const store = new MemoryStore({
      proposer: {
        propose: (p) => new RaftProposer(late.node as RaftNode<ApplyOutcome>).propose(p),
      },
    });
    const node = new RaftNode<ApplyOutcome>({
      id: o.nodeId,
      peers: { ...o.peers, [o.nodeId]: o.advertiseAddr },
      storage,
      transport,
      stateMachine: new StoreStateMachine(store),
      tickMs: o.tickMs ?? 100,
      electionTick: o.electionTick ?? 10,
      onLeaderChange: (c) => late.self?.leaderChanged(c.isLeader),
      onFatal: (err) => o.log.error({ err }, 'raft failed; this manager stops serving'),
    });
    late.node = node;
    const self = new ManagerNode(o, store, node, transport, storage, dek, o.unlockKey);
    late.self = self;
    self.watchUnlockKey();
    await node.start();
    const conf = node.confState();
    if (conf.voters.length === 1 && conf.voters[0] === o.nodeId) node.campaign();
    return self;
  }

  /**
   * Autolock: keeps this manager's data key wrapped with the cluster's current unlock key (or
   * unwrapped once autolock is off). Called after every commit that touches the cluster object.
   */
  private watchUnlockKey(): void {
    const events = this.store.watch({ kinds: ['cluster'] });
    this.keyWatch = events;
    void (async () => {
      for await (const ev of events) {
        if (ev.type !== 'commit') continue;
        await this.syncKeyWrap().catch((err: unknown) =>
          this.o.log.error({ err }, 'rewrapping the data key failed'),
        );
      }
    })();
  }

  async syncKeyWrap(): Promise<void> {
    const want = this.store.view((tx) => tx.find('cluster')[0]?.secrets?.unlockKey);
    if (want === this.wrappedWith) return;
    await saveDataKey(this.o.dataDir, this.dek, want);
    this.wrappedWith = want;
    this.o.log.info({ locked: want !== undefined }, 'data key rewrapped for autolock');
  }

  /** Hands a `/raft` WebSocket upgrade to the transport. */
  handleRaftUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.transport.handleUpgrade(req, socket, head);
  }

  get isLeader(): boolean {
    return this.raft.isLeader;
  }

  /** The leader's node id, '' when unknown. */
  get leaderId(): string {
    return this.raft.leader;
  }

  /** The leader's cluster address, '' when unknown. */
  leaderAddr(): string {
    const id = this.raft.leader;
    return id ? this.raft.peerAddr(id) : '';
  }

  /** Raft members and their cluster addresses. */
  raftPeers(): Record<string, string> {
    const conf = this.raft.confState();
    const out: Record<string, string> = {};
    for (const id of [...conf.voters, ...conf.learners]) out[id] = this.raft.peerAddr(id);
    return out;
  }

  /** Cluster addresses of every Raft member (voters and learners). */
  managerAddrs(): string[] {
    const conf = this.raft.confState();
    return [...conf.voters, ...conf.learners].map((id) => this.raft.peerAddr(id)).filter(Boolean);
  }

  /** Raft hard state (term, vote, commit), also after `stop()`. */
  get lastHardState(): { term: number; vote: string; commit: number } {
    return this.raft.status().hardState;
  }

  /** Index of the last entry applied to the store, also after `stop()`. */
  get lastApplied(): number {
    return this.raft.appliedIndex;
  }

  /** The running dispatcher while this manager leads. */
  dispatcher(): Manager['dispatcher'] | undefined {
    return this.leaderLoops?.dispatcher;
  }

  /** Throws UNAVAILABLE (with the leader's address) unless this manager leads. */
  requireLeader(): void {
    if (this.raft.isLeader) return;
    throw new SwarmletError('UNAVAILABLE', 'this manager is not the leader', {
      details: { leader: this.raft.leader, leaderAddr: this.leaderAddr() },
    });
  }

  /** Linearizable read point (Raft ReadIndex): after it resolves, local reads are current. */
  async readBarrier(): Promise<void> {
    // A manager that just started or joined may not know the leader yet: give it an election.
    const deadline = Date.now() + 3 * (this.o.electionTick ?? 10) * (this.o.tickMs ?? 100);
    for (;;) {
      try {
        await this.raft.readIndex();
        return;
      } catch (err) {
        const noLeader = err instanceof NotLeaderError && err.leader === '';
        if (!noLeader || Date.now() > deadline) throw raftError(err);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Adds a manager as a Raft learner; the leader's membership loop promotes it once caught up. */
  async addLearner(nodeId: string, addr: string): Promise<void> {
    this.requireLeader();
    const conf = this.raft.confState();
    if (conf.voters.includes(nodeId) || conf.learners.includes(nodeId)) {
      this.transport.addPeer(nodeId, addr);
      return;
    }
    try {
      await this.raft.addLearner(nodeId, addr);
    } catch (err) {
      throw raftError(err);
    }
    this.o.log.info({ nodeId, addr }, 'manager added to raft as learner');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.keyWatch?.close();
    await this.control.close(); // the event log stops following the store
    clearInterval(this.membershipTimer);
    // Raft first: writes still in flight (a dispatcher flushing status, say) fail at once
    // instead of waiting for a quorum that may be shutting down too.
    await this.raft.stop();
    await this.transition;
    await this.leaderLoops?.stop();
    this.leaderLoops = undefined;
    await this.storage.close();
  }

  private leaderChanged(isLeader: boolean): void {
    this.transition = this.transition.then(() =>
      isLeader ? this.becomeLeader() : this.stepDown(),
    );
  }

  private async becomeLeader(): Promise<void> {
    if (this.stopped || this.leaderLoops || !this.raft.isLeader) return;
    try {
      await this.raft.readIndex(); // everything committed before this term is applied now
    } catch (err) {
      this.o.log.warn({ err }, 'leader barrier failed; not starting the control loops');
      return;
    }
    if (this.stopped || !this.raft.isLeader) return;
    const cluster = this.store.view((tx) => tx.find('cluster')[0]);
    this.leaderLoops = new Manager({
      store: this.store,
      log: this.o.log,
      heartbeatPeriodMs: this.o.heartbeatPeriodMs ?? cluster?.spec.dispatcher.heartbeatPeriodMs,
    });
    this.leaderLoops.start();
    this.membershipTimer = setInterval(() => void this.membershipPass(), 1_000);
    this.o.log.info({ nodeId: this.o.nodeId }, 'became leader; control loops started');
  }

  private async stepDown(): Promise<void> {
    clearInterval(this.membershipTimer);
    const loops = this.leaderLoops;
    this.leaderLoops = undefined;
    if (loops) {
      await loops.stop();
      this.o.log.info({ leader: this.raft.leader }, 'lost leadership; control loops stopped');
    }
  }

  private membershipRunning = false;
  private readonly lastActive = new Map<string, number>();

  /** One pass of the leader's membership loop (see `reconcileMembership`). */
  private async membershipPass(): Promise<void> {
    if (this.membershipRunning || !this.raft.isLeader) return;
    this.membershipRunning = true;
    try {
      await reconcileMembership({
        selfId: this.o.nodeId,
        raft: this.raft,
        store: this.store,
        log: this.o.log,
        lastActive: this.lastActive,
        graceMs: 2 * (this.o.electionTick ?? 10) * (this.o.tickMs ?? 100),
      });
    } catch (err) {
      this.o.log.debug({ err }, 'membership pass failed');
    } finally {
      this.membershipRunning = false;
    }
  }
}
