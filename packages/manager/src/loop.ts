import type { MemoryStore, ObjectEvent, ObjectKind, ReadTx, StoreEvent } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';

export interface ReconcileLoopOptions {
  name: string;
  store: MemoryStore;
  log: Logger;
  /** Kinds whose changes can make a key dirty. */
  kinds: readonly ObjectKind[];
  /** Keys to reconcile at start (everything). */
  initialKeys(tx: ReadTx): string[];
  /** Keys an event makes dirty; `'*'` means every key from `initialKeys`. */
  keysOf(ev: ObjectEvent): string[] | '*';
  /** Reconciles dirty keys and writes the result; returns when to run again (ms epoch) if timed. */
  reconcile(keys: ReadonlySet<string>): Promise<number | undefined>;
}

/**
 * The shape every leader component shares (STYLE rule 4): watch the store, mark keys dirty, and
 * after each commit reconcile the dirty keys from a fresh snapshot. Writes made by `reconcile`
 * come back as events and are reconciled again, which must be a no-op (reconcilers are
 * idempotent). A timer re-runs keys that asked for a later wake-up (restart delays).
 */
export class ReconcileLoop {
  private readonly ac = new AbortController();
  private done: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timedKeys = new Set<string>();
  private wakeAt = Infinity;
  private serial: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ReconcileLoopOptions) {}

  start(): void {
    this.done = this.run().catch((err: unknown) => {
      if (!this.ac.signal.aborted)
        this.opts.log.error({ err, component: this.opts.name }, 'reconcile loop failed');
    });
  }

  async stop(): Promise<void> {
    this.ac.abort();
    clearTimeout(this.timer);
    await this.done;
  }

  private async run(): Promise<void> {
    const { store } = this.opts;
    while (!this.ac.signal.aborted) {
      const { result, events } = store.viewAndWatch((tx) => this.opts.initialKeys(tx), {
        kinds: this.opts.kinds,
        signal: this.ac.signal,
      });
      try {
        await this.pass(new Set(result));
        await this.follow(events);
      } catch (err) {
        if (this.ac.signal.aborted) return;
        this.opts.log.warn({ err, component: this.opts.name }, 'reconcile loop restarting');
        events.close();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async follow(events: AsyncIterableIterator<StoreEvent>): Promise<void> {
    let dirty = new Set<string>();
    let all = false;
    for await (const ev of events) {
      if (ev.type === 'object') {
        const keys = this.opts.keysOf(ev);
        if (keys === '*') all = true;
        else for (const k of keys) dirty.add(k);
        continue;
      }
      if (all) dirty = new Set(this.opts.store.view((tx) => this.opts.initialKeys(tx)));
      for (const k of this.takeDueTimedKeys()) dirty.add(k);
      if (dirty.size > 0) await this.pass(dirty);
      dirty = new Set();
      all = false;
    }
  }

  /** Passes never overlap: two concurrent passes could both create a task for one slot. */
  private pass(keys: Set<string>): Promise<void> {
    const run = this.serial.then(async () => {
      if (keys.size === 0) return;
      const wake = await this.opts.reconcile(keys);
      if (wake !== undefined) this.schedule(keys, wake);
    });
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Timed wake-ups are delivered by re-running reconcile directly. */
  private schedule(keys: Set<string>, at: number): void {
    for (const k of keys) this.timedKeys.add(k);
    if (at >= this.wakeAt) return;
    this.wakeAt = at;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.onTimer(), Math.max(0, at - Date.now()));
  }

  private async onTimer(): Promise<void> {
    this.wakeAt = Infinity;
    if (this.ac.signal.aborted) return;
    try {
      await this.pass(this.takeDueTimedKeys());
    } catch (err) {
      this.opts.log.warn({ err, component: this.opts.name }, 'timed reconcile failed');
      this.schedule(new Set(), Date.now() + 500);
    }
  }

  private takeDueTimedKeys(): Set<string> {
    const keys = this.timedKeys;
    this.timedKeys = new Set();
    return keys;
  }
}
