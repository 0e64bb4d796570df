import type { MemoryStore, WatchQueue } from '@swarmlet/store';
import type { EventLog } from './event-log.js';

/**
 * Feeds a store's committed changes to an `EventLog`, on every manager (a follower's store is
 * applied from the Raft log and emits the same changes). It watches from construction on, so
 * nothing committed after it was built is missed. A watch that overflows (the process was
 * starved) is reopened and the log told about the gap; nothing else stops it but `stop()`.
 */
export class EventFeed {
  private readonly ac = new AbortController();
  private done: Promise<void> = Promise.resolve();
  private watch: WatchQueue;

  constructor(
    private readonly store: MemoryStore,
    private readonly log: EventLog,
  ) {
    this.watch = store.watch({ signal: this.ac.signal });
  }

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    while (!this.ac.signal.aborted) {
      try {
        for await (const ev of this.watch) this.log.apply(ev);
        return;
      } catch {
        if (this.ac.signal.aborted) return;
        this.watch = this.store.watch({ signal: this.ac.signal });
        this.log.gap(this.store.version);
      }
    }
  }
}
