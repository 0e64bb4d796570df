import { decodeConfChange } from '../core/confchange.js';
import type { MemoryStorage } from '../core/memory-storage.js';
import { RaftCore } from '../core/raft-core.js';
import { ctxKey } from '../core/read-only.js';
import type { ConfState, Entry, Message, RaftRole, Ready } from '../types.js';
import { DurableLog, type PendingWrite } from './durable.js';
import type { NodeParams, SimEnv } from './env.js';
import { KvStore, decodeCommand, encodeCommand, type KvCommand } from './kv.js';

/** Leader messages that promise nothing about the leader's own durability. */
const EARLY_LEADER_TYPES = new Set<Message['type']>([
  'MsgApp',
  'MsgHeartbeat',
  'MsgSnap',
  'MsgTimeoutNow',
]);

interface PendingRead {
  clientId: string;
  opId: string;
  key: string;
  index?: number;
}

/**
 * A simulated server: RaftCore + in-memory log + a simulated disk
 * (`DurableLog`) + the KV state machine, driven like the real driver:
 * persist → fsync → send → apply → advance. While an fsync is in flight the
 * node is busy and queues incoming events. A crash drops all volatile state,
 * including writes not yet fsynced; restart rebuilds from the disk.
 */
export class SimNode {
  up = false;
  readonly durable: DurableLog;
  mem!: MemoryStorage;
  core!: RaftCore;
  kv = new KvStore();
  private epoch = 0;
  private role: RaftRole = 'follower';
  private busy = false;
  /** Frozen process (GC pause, SIGSTOP): events queue up, nothing runs. */
  private paused = false;
  private onResume: (() => void)[] = [];
  /** This boot's clock rate: ticks drift ±10% between nodes. */
  private skew = 1;
  private inbox: (() => void)[] = [];
  private unsynced: PendingWrite[] = [];
  private ownOps = new Map<string, string>();
  private reads = new Map<string, PendingRead>();

  constructor(
    readonly id: string,
    bootstrap: ConfState,
    private readonly params: NodeParams,
    private readonly env: SimEnv,
  ) {
    this.durable = new DurableLog(bootstrap);
  }

  /** Boots (or reboots) from the durable state and starts ticking. */
  start(): void {
    this.epoch++;
    this.up = true;
    this.busy = false;
    this.paused = false;
    this.onResume = [];
    this.skew = 0.9 + 0.2 * this.env.rng.next();
    this.role = 'follower';
    this.mem = this.durable.load();
    this.kv = new KvStore();
    this.kv.restore(this.durable.snapshot.data);
    const rng = this.env.rng.fork();
    const p = this.params;
    this.core = new RaftCore(
      {
        id: this.id,
        rand: () => rng.next(),
        electionTick: p.electionTick,
        heartbeatTick: p.heartbeatTick,
        preVote: p.preVote,
        checkQuorum: p.checkQuorum,
        maxSizePerMsg: p.maxSizePerMsg,
        maxInflightMsgs: p.maxInflightMsgs,
        snapshotChunkSize: p.snapshotChunkSize,
      },
      this.mem,
    );
    this.env.trace(
      () =>
        `${this.id} start term=${this.durable.hardState.term} snap=${this.durable.snapshot.meta.index} ents=${this.durable.entries.length}`,
    );
    this.scheduleTick(this.epoch, this.env.rng.int(p.tickMs) + 1);
    this.pump();
  }

  /** Power loss: volatile state and unsynced writes are gone. */
  crash(): void {
    if (!this.up) return;
    this.env.trace(() => `${this.id} crash (lost ${this.unsynced.length} unsynced writes)`);
    this.up = false;
    this.epoch++;
    this.inbox = [];
    this.onResume = [];
    this.paused = false;
    this.unsynced = [];
    this.ownOps.clear();
    this.reads.clear();
  }

  private scheduleTick(epoch: number, delay: number): void {
    this.env.q.after(delay, () => {
      if (epoch !== this.epoch) return;
      this.run(() => this.core.tick());
      this.scheduleTick(epoch, this.params.tickMs * this.skew);
    });
  }

  /** Delivers a network message (ignored while down). */
  deliver(m: Parameters<RaftCore['step']>[0]): void {
    this.run(() => this.core.step(m));
  }

  /** A client write: proposed here (and forwarded if we are a follower). */
  submitWrite(clientId: string, cmd: KvCommand): void {
    this.run(() => {
      const res = this.core.propose(encodeCommand(cmd));
      if (!res.ok) this.env.reply(clientId, cmd.opId, { ok: false });
      else this.ownOps.set(cmd.opId, clientId);
    });
  }

  /** A client read, served through ReadIndex (§6.4). */
  submitRead(clientId: string, cmd: KvCommand): void {
    if (cmd.input.kind !== 'get') throw new Error('submitRead: not a get');
    const key = cmd.input.key;
    if (this.params.bug === 'local-reads') {
      this.run(() => this.env.reply(clientId, cmd.opId, { ok: true, output: this.kv.get(key) }));
      return;
    }
    this.run(() => {
      const ctx = new TextEncoder().encode(cmd.opId);
      this.reads.set(ctxKey(ctx), { clientId, opId: cmd.opId, key });
      this.core.readIndex(ctx);
    });
  }

  /** True if this node's log (as last written) holds an entry at `index` with `term`. */
  hasEntry(index: number, term: number): boolean {
    if (!this.up) return false;
    if (index < this.mem.firstIndex() - 1 || index > this.mem.lastIndex()) return false;
    return this.mem.term(index) === term;
  }

  /** Runs an operator action against the core (conf change, transfer) in the node's loop. */
  admin(fn: (core: RaftCore) => void): void {
    this.run(() => fn(this.core));
  }

  /** Runs `fn` now, or after the in-flight fsync; nothing happens while down. */
  private run(fn: () => void): void {
    if (!this.up) return;
    if (this.busy || this.paused) {
      this.inbox.push(fn);
      return;
    }
    fn();
    this.pump();
  }

  private pump(): void {
    while (this.idle() && this.core.hasReady()) this.handleReady(this.core.ready());
    while (this.idle() && this.inbox.length > 0) {
      this.inbox.shift()?.();
      while (this.idle() && this.core.hasReady()) this.handleReady(this.core.ready());
    }
  }

  private idle(): boolean {
    return this.up && !this.busy && !this.paused;
  }

  /** Freezes the process for `ms` (a GC pause or SIGSTOP); everything resumes afterwards. */
  pause(ms: number): void {
    if (!this.up || this.paused) return;
    this.paused = true;
    const epoch = this.epoch;
    this.env.trace(() => `${this.id} paused for ${ms.toFixed(0)} ms`);
    this.env.q.after(ms, () => {
      if (epoch !== this.epoch) return;
      this.paused = false;
      const resumed = this.onResume;
      this.onResume = [];
      for (const fn of resumed) fn();
      if (this.idle()) this.pump();
    });
  }

  private handleReady(rd: Ready): void {
    if (rd.snapshot !== undefined) this.mem.applySnapshot(rd.snapshot);
    this.mem.append(rd.entries);
    if (rd.hardState !== undefined) this.mem.setHardState(rd.hardState);
    // Observe leadership in the very step that produced it (before any fsync delay).
    if (rd.softState !== undefined) this.role = rd.softState.role;
    if (rd.softState?.role === 'leader') this.reportLeader();
    if (this.role === 'leader' && rd.hardState !== undefined) {
      this.env.observer.onCommit(this.id, rd.hardState.term, rd.hardState.commit);
    }
    const w: PendingWrite = { entries: rd.entries };
    if (rd.snapshot !== undefined) w.snapshot = rd.snapshot;
    if (rd.hardState !== undefined) w.hardState = rd.hardState;
    this.unsynced.push(w);
    if (!rd.mustSync && rd.snapshot === undefined) {
      this.finish(rd);
      return;
    }
    if (this.params.bug === 'send-before-fsync') {
      for (const m of rd.messages) this.env.send(m);
      rd.messages = [];
    } else if (
      this.params.earlyLeaderSends === true &&
      this.role === 'leader' &&
      rd.snapshot === undefined
    ) {
      for (const m of rd.messages) if (EARLY_LEADER_TYPES.has(m.type)) this.env.send(m);
      rd.messages = rd.messages.filter((m) => !EARLY_LEADER_TYPES.has(m.type));
    }
    this.busy = true;
    const epoch = this.epoch;
    this.env.q.after(this.params.fsyncMs, () => this.fsyncDone(epoch, rd));
  }

  private fsyncDone(epoch: number, rd: Ready): void {
    if (epoch !== this.epoch) return;
    if (this.paused) {
      this.onResume.push(() => this.fsyncDone(epoch, rd));
      return;
    }
    if (this.env.fsyncFails(this.id)) {
      // Never ack what is not durable: stop the node instead (fsyncgate).
      this.env.trace(() => `${this.id} fsync failed`);
      this.crash();
      return;
    }
    for (const w of this.unsynced) this.durable.sync(w);
    this.unsynced = [];
    this.busy = false;
    this.finish(rd);
    this.pump();
  }

  private finish(rd: Ready): void {
    for (const m of rd.messages) this.env.send(m);
    if (rd.snapshot !== undefined) this.kv.restore(rd.snapshot.data);
    for (const e of rd.committedEntries) this.apply(e);
    for (const rs of rd.readStates) {
      const r = this.reads.get(ctxKey(rs.requestCtx));
      if (r !== undefined) r.index = rs.index;
    }
    this.core.advance();
    this.serveReads();
    this.maybeCompact();
  }

  private reportLeader(): void {
    const st = this.core.status();
    const log = (i: number): Entry | undefined => {
      if (i < this.mem.firstIndex() || i > this.mem.lastIndex()) return undefined;
      return this.mem.entries(i, i + 1)[0];
    };
    this.env.observer.onLeader(this.id, st.hardState.term, log, this.mem.lastIndex());
  }

  private apply(e: Entry): void {
    this.env.observer.onApply(this.id, e);
    if (e.type === 'conf-change') {
      this.core.applyConfChange(decodeConfChange(e.data));
      return;
    }
    if (e.data.length === 0) return;
    const cmd = decodeCommand(e.data);
    const output = this.kv.apply(cmd);
    const clientId = this.ownOps.get(cmd.opId);
    if (clientId === undefined) return;
    this.ownOps.delete(cmd.opId);
    this.env.reply(clientId, cmd.opId, { ok: true, output });
  }

  private serveReads(): void {
    if (this.reads.size === 0) return;
    const applied = this.core.appliedIndex();
    for (const [k, r] of this.reads) {
      if (r.index === undefined || r.index > applied) continue;
      this.reads.delete(k);
      this.env.reply(r.clientId, r.opId, { ok: true, output: this.kv.get(r.key) });
    }
  }

  private maybeCompact(): void {
    const applied = this.core.appliedIndex();
    const snapIndex = this.mem.firstIndex() - 1;
    if (applied - snapIndex < this.params.compactEvery) return;
    const snap = this.mem.createSnapshot(applied, this.core.confState(), this.kv.snapshot());
    this.mem.compact(applied);
    this.durable.compact(snap);
    this.env.trace(() => `${this.id} compact to ${applied}`);
  }
}
