import { Prng } from '../sim/prng.js';
import type { ConfState, Entry, Message, Ready } from '../types.js';
import { decodeConfChange } from './confchange.js';
import type { RaftConfig } from './config.js';
import { MemoryStorage } from './memory-storage.js';
import { RaftCore } from './raft-core.js';

/** Optional per-node settings for test clusters. */
export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'rand'>>;

/**
 * One node of an in-memory test cluster: a RaftCore over a MemoryStorage
 * whose Ready loop persists synchronously and records applied entries.
 */
export class TestNode {
  readonly storage: MemoryStorage;
  core: RaftCore;
  readonly applied: Entry[] = [];
  readonly readStates: Ready['readStates'] = [];
  private fromSnapshot: string[] = [];

  constructor(
    readonly id: string,
    conf: ConfState,
    readonly opts: NodeOptions,
    private readonly rand: () => number,
  ) {
    this.storage = MemoryStorage.withConf(conf);
    this.core = new RaftCore({ ...opts, id, rand }, this.storage);
  }

  /** Rebuilds the core from storage (simulates a restart with durable state). */
  restart(): void {
    const snap = this.storage.snapshot();
    this.fromSnapshot =
      snap.meta.index > 0 ? (JSON.parse(new TextDecoder().decode(snap.data)) as string[]) : [];
    this.applied.length = 0;
    this.core = new RaftCore({ ...this.opts, id: this.id, rand: this.rand }, this.storage);
  }

  /** Runs Ready cycles until quiescent; returns all outgoing messages. */
  drain(): Message[] {
    const out: Message[] = [];
    while (this.core.hasReady()) out.push(...this.handleReady(this.core.ready()));
    return out;
  }

  /** Snapshots the state machine at the applied index and compacts the log up to it. */
  compact(): void {
    const st = this.core.status();
    const data = new TextEncoder().encode(JSON.stringify(this.appliedData()));
    this.storage.createSnapshot(st.applied, st.confState, data);
    this.storage.compact(st.applied);
  }

  private handleReady(rd: Ready): Message[] {
    if (rd.snapshot !== undefined) {
      this.storage.applySnapshot(rd.snapshot);
      this.fromSnapshot = JSON.parse(new TextDecoder().decode(rd.snapshot.data)) as string[];
      this.applied.length = 0;
    }
    this.storage.append(rd.entries);
    if (rd.hardState !== undefined) this.storage.setHardState(rd.hardState);
    for (const e of rd.committedEntries) {
      if (e.type === 'conf-change') this.core.applyConfChange(decodeConfChange(e.data));
      this.applied.push(e);
    }
    this.readStates.push(...rd.readStates);
    this.core.advance();
    return rd.messages;
  }

  /** Data of applied normal entries (after any installed snapshot), as UTF-8; no-ops skipped. */
  appliedData(): string[] {
    const dec = new TextDecoder();
    const own = this.applied.filter((e) => e.type === 'normal' && e.data.length > 0);
    return [...this.fromSnapshot, ...own.map((e) => dec.decode(e.data))];
  }
}

/**
 * An in-memory network of TestNodes (etcd's newNetwork): `send` delivers
 * messages depth-first until none remain, subject to `drop`/`cut`/`isolate`/
 * `ignore`. Deterministic for a given seed. Every delivered message is
 * appended to `trace` for snapshot tests.
 */
export class Network {
  readonly nodes = new Map<string, TestNode>();
  readonly trace: string[] = [];
  private readonly prng: Prng;
  private readonly dropRates = new Map<string, number>();
  private readonly ignored = new Set<Message['type']>();
  private readonly predicates: ((m: Message) => boolean)[] = [];
  private readonly entryFilters: ((e: Entry) => boolean)[] = [];

  constructor(ids: string[], opts: NodeOptions = {}, seed = 1) {
    this.prng = new Prng(seed);
    const conf = { voters: [...ids], learners: [] };
    for (const id of ids) this.nodes.set(id, new TestNode(id, conf, opts, this.nextRand()));
  }

  private nextRand(): () => number {
    const p = this.prng.fork();
    return () => p.next();
  }

  /** The node `id`; throws if unknown. */
  node(id: string): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Adds a node that starts with an empty log and membership `conf`. */
  addNode(id: string, conf: ConfState, opts: NodeOptions = {}): TestNode {
    const n = new TestNode(id, conf, opts, this.nextRand());
    this.nodes.set(id, n);
    return n;
  }

  /** Delivers `msgs` and everything they cause, until quiescent. */
  send(...msgs: Message[]): void {
    const queue = [...msgs];
    for (const n of this.nodes.values()) queue.push(...n.drain());
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (this.filtered(next)) continue;
      const m = this.strip(next);
      const to = this.nodes.get(m.to);
      if (to === undefined) continue;
      this.trace.push(describe(m));
      to.core.step(m);
      queue.push(...to.drain());
    }
  }

  /** Delivers whatever is pending (e.g. after ticks or proposals). */
  stabilize(): void {
    this.send();
  }

  /** Ticks `id` n times, then stabilizes. */
  tick(id: string, n = 1): void {
    for (let i = 0; i < n; i++) this.node(id).core.tick();
    this.stabilize();
  }

  /** Crashes and restarts `id` from its (synchronously persisted) storage. */
  restart(id: string): void {
    this.node(id).restart();
  }

  /** Makes `id` campaign and runs the election to completion. */
  campaign(id: string): void {
    this.node(id).core.campaign();
    this.stabilize();
  }

  /** Proposes `data` at `id` and replicates it. */
  propose(id: string, data: string): void {
    this.node(id).core.propose(new TextEncoder().encode(data));
    this.stabilize();
  }

  /** Drops messages from → to with probability `p`. */
  drop(from: string, to: string, p: number): void {
    this.dropRates.set(`${from}>${to}`, p);
  }

  /** Cuts both directions between a and b. */
  cut(a: string, b: string): void {
    this.drop(a, b, 1);
    this.drop(b, a, 1);
  }

  /** Cuts `id` from every other node. */
  isolate(id: string): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other);
  }

  /** Drops every message of `type`. */
  ignore(type: Message['type']): void {
    this.ignored.add(type);
  }

  /** Drops every message matching `pred` (until `recover`). */
  dropIf(pred: (m: Message) => boolean): void {
    this.predicates.push(pred);
  }

  /**
   * Loses the entries matching `pred` from every MsgApp (and all entries after
   * the first lost one, keeping the batch contiguous), until `recover`.
   */
  loseEntries(pred: (e: Entry) => boolean): void {
    this.entryFilters.push(pred);
  }

  /** Heals all cuts, drops and ignores. */
  recover(): void {
    this.dropRates.clear();
    this.ignored.clear();
    this.predicates.length = 0;
    this.entryFilters.length = 0;
  }

  private strip(m: Message): Message {
    if (m.type !== 'MsgApp' || this.entryFilters.length === 0) return m;
    const cut = m.entries.findIndex((e) => this.entryFilters.some((f) => f(e)));
    return cut < 0 ? m : { ...m, entries: m.entries.slice(0, cut) };
  }

  private filtered(m: Message): boolean {
    if (this.ignored.has(m.type) || this.predicates.some((p) => p(m))) return true;
    const p = this.dropRates.get(`${m.from}>${m.to}`) ?? 0;
    return p >= 1 || this.prng.chance(p);
  }
}

/** One-line description of a message, stable across runs (for trace snapshots). */
export function describe(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  if (m.type === 'MsgApp')
    parts.push(
      `prev=${m.index}/${m.logTerm} commit=${m.commit} ents=[${m.entries.map((e) => `${e.index}/${e.term}`).join(',')}]`,
    );
  else if (m.type === 'MsgAppResp')
    parts.push(`index=${m.index}${m.reject ? ` reject hint=${m.rejectHint}/${m.logTerm}` : ''}`);
  else if (m.type === 'MsgVote' || m.type === 'MsgPreVote')
    parts.push(`last=${m.index}/${m.logTerm}`);
  else if (m.type.endsWith('VoteResp')) parts.push(m.reject ? 'rejected' : 'granted');
  else if (m.type === 'MsgHeartbeat') parts.push(`commit=${m.commit}`);
  else if (m.type === 'MsgSnap')
    parts.push(`snap=${m.snapshot?.meta.index} offset=${m.offset} done=${m.done}`);
  else if (m.type === 'MsgSnapResp') parts.push(`offset=${m.offset}${m.reject ? ' reject' : ''}`);
  return parts.join(' ');
}
