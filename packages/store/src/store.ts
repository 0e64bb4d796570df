import type { ObjectKind, Proposal, StoreAction, StoreSnapshot, StoredObject } from './kinds.js';
import type { Proposer } from './proposer.js';
import { InstantProposer } from './proposer.js';
import { Tables } from './tables.js';
import { OverlayTx, type ReadTx, type WriteTx } from './tx.js';
import { WatchQueue, type ObjectEvent, type WatchOptions } from './watch.js';

export interface StoreOptions {
  proposer?: Proposer;
  /** Clock for meta timestamps (tests inject one). */
  now?: () => Date;
}

/** Handle given to a `batch` callback: each `update` is its own all-or-nothing sub-transaction. */
export interface Batch {
  /** Runs `fn` as a sub-transaction; if it throws, only its own changes are dropped. */
  update(fn: (tx: WriteTx) => void): void;
}

/**
 * The cluster state: typed tables with view/update/batch transactions and watch queues
 * (swarmkit's manager/state/store). Writes are serialised: a transaction runs against the latest
 * committed state, its actions go to the `Proposer`, and only once the proposer resolves are they
 * applied and emitted to watchers, so every watcher sees commits in order and nothing that was
 * not made durable. Callbacks must be synchronous and must not mutate returned objects.
 */
export class MemoryStore {
  private readonly tables = new Tables();
  private readonly watchers = new Set<WatchQueue>();
  private readonly proposer: Proposer;
  private readonly now: () => Date;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(opts: StoreOptions = {}) {
    this.proposer = opts.proposer ?? new InstantProposer();
    this.now = opts.now ?? (() => new Date());
  }

  /** Current committed version (number of proposals applied). */
  get version(): number {
    return this.tables.version;
  }

  /** Runs `fn` against the committed state. */
  view<T>(fn: (tx: ReadTx) => T): T {
    return fn(this.tables);
  }

  /** Runs `fn` as one transaction and resolves with its result once it is committed. */
  update<T>(fn: (tx: WriteTx) => T): Promise<T> {
    return this.serialise(async () => {
      const tx = this.newTx();
      const result = fn(tx);
      await this.commit(tx.actions());
      return result;
    });
  }

  /**
   * Runs many sub-transactions and commits the successful ones in one proposal (one fsync).
   * Resolves with the number of sub-transactions committed.
   */
  batch(fn: (batch: Batch) => void): Promise<number> {
    return this.serialise(async () => {
      const parent = this.newTx();
      let committed = 0;
      fn({
        update: (sub) => {
          const child = new OverlayTx(parent, parent.version, this.now().toISOString());
          try {
            sub(child);
          } catch {
            return;
          }
          parent.absorb(child);
          committed++;
        },
      });
      await this.commit(parent.actions());
      return committed;
    });
  }

  /** Watches committed changes from now on. */
  watch(opts: WatchOptions = {}): WatchQueue {
    const q = new WatchQueue(opts, (w) => this.watchers.delete(w));
    this.watchers.add(q);
    return q;
  }

  /** Reads a snapshot and starts a watch at exactly that version: no gap, no duplicate. */
  viewAndWatch<T>(
    fn: (tx: ReadTx) => T,
    opts: WatchOptions = {},
  ): { result: T; events: WatchQueue } {
    const result = fn(this.tables);
    return { result, events: this.watch(opts) };
  }

  /**
   * Applies a proposal that was committed elsewhere (WAL replay, or a Raft follower applying
   * the leader's entries). Emits events like a local commit.
   */
  applyCommitted(proposal: Proposal): void {
    if (proposal.version <= this.tables.version) return;
    const olds = this.tables.apply(proposal.version, proposal.actions);
    this.emit(proposal, olds);
  }

  snapshot(): StoreSnapshot {
    return structuredClone(this.tables.snapshot());
  }

  /** Replaces the whole state (startup or a Raft snapshot). Watchers are not told. */
  restore(snap: StoreSnapshot): void {
    this.tables.restore(structuredClone(snap));
  }

  count(kind: ObjectKind): number {
    return this.tables.count(kind);
  }

  private newTx(): OverlayTx {
    return new OverlayTx(this.tables, this.tables.version + 1, this.now().toISOString());
  }

  private async commit(actions: StoreAction[]): Promise<void> {
    if (actions.length === 0) return;
    const proposal: Proposal = { version: this.tables.version + 1, actions };
    await this.proposer.propose(proposal);
    this.applyCommitted(proposal);
    if (this.proposer.compact && this.proposer.wantsCompaction?.()) {
      await this.proposer.compact(this.tables.snapshot());
    }
  }

  private emit(proposal: Proposal, olds: readonly (StoredObject | undefined)[]): void {
    if (this.watchers.size === 0) return;
    const events = proposal.actions.map(
      (a, i) =>
        ({ type: 'object', kind: a.kind, op: a.op, object: a.object, old: olds[i] }) as ObjectEvent,
    );
    for (const w of this.watchers) {
      for (const ev of events) w.push(ev);
      w.push({ type: 'commit', version: proposal.version });
    }
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
