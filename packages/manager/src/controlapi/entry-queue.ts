import type { LogEntry } from '@swarmlet/api-types';

/** Entries buffered before writers wait for the reader (a slow client slows the agents down). */
export const ENTRY_QUEUE_LIMIT = 1_000;

/**
 * Many writers, one reader, bounded: `push` waits while the queue is full, so a task's lines
 * keep their order and memory stays bounded however slow the reader. After `end()` pushes are
 * dropped and the reader finishes once the buffer is drained.
 */
export class EntryQueue {
  private readonly items: LogEntry[] = [];
  private readonly writers: (() => void)[] = [];
  private reader: (() => void) | undefined;
  private ended = false;

  constructor(private readonly limit = ENTRY_QUEUE_LIMIT) {}

  async push(entry: LogEntry): Promise<void> {
    while (this.items.length >= this.limit && !this.ended) {
      await new Promise<void>((resolve) => this.writers.push(resolve));
    }
    if (this.ended) return;
    this.items.push(entry);
    this.reader?.();
  }

  end(): void {
    this.ended = true;
    this.reader?.();
    for (const w of this.writers.splice(0)) w();
  }

  async *drain(): AsyncGenerator<LogEntry> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        this.writers.shift()?.();
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.reader = resolve));
      this.reader = undefined;
    }
  }
}
