import type { LogLine, LogOptions } from './executor.js';

/**
 * The log lines of the fake executor's tasks: tests append lines (`FakeExecutor.appendLog`),
 * readers get them as the Docker executor gives them (oldest first, `tail`, `sinceMs`, and with
 * `follow` new lines until the task's container stops or the reader is aborted).
 */
export class FakeLogs {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly wakers = new Map<string, Set<() => void>>();
  private clock = Date.parse('2026-01-01T00:00:00Z');

  append(taskId: string, text: string, stream: LogLine['stream'] = 'stdout'): LogLine {
    // Strictly increasing stamps (one ms apart), in Docker's nanosecond format.
    this.clock = Math.max(this.clock + 1, Date.now());
    const timestamp = new Date(this.clock).toISOString().replace('Z', '000000Z');
    const line = { stream, timestamp, text };
    const all = this.lines.get(taskId) ?? [];
    all.push(line);
    this.lines.set(taskId, all);
    this.wake(taskId);
    return line;
  }

  /** Wakes followers of a task (new line, or its container stopped). */
  wake(taskId: string): void {
    for (const w of this.wakers.get(taskId) ?? []) w();
  }

  /** Followers waiting on a task (tests: a cancelled reader must leave). */
  followers(taskId: string): number {
    return this.wakers.get(taskId)?.size ?? 0;
  }

  async *read(
    taskId: string,
    opts: LogOptions,
    signal: AbortSignal,
    running: () => boolean,
  ): AsyncGenerator<LogLine> {
    const since = opts.sinceMs;
    const matches = (l: LogLine): boolean =>
      since === undefined || Date.parse(l.timestamp) >= since;
    const snapshot = this.lines.get(taskId) ?? [];
    // Lines appended while the backlog is consumed are read by the loop below.
    let seen = snapshot.length;
    const all = snapshot.filter(matches);
    const start = opts.tail === undefined ? 0 : Math.max(0, all.length - opts.tail);
    yield* all.slice(start);
    while (opts.follow && running() && !signal.aborted) {
      await this.next(taskId, signal);
      const now = this.lines.get(taskId) ?? [];
      for (const l of now.slice(seen)) if (matches(l)) yield l;
      seen = now.length;
    }
  }

  private next(taskId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.wakers.get(taskId) ?? new Set();
      this.wakers.set(taskId, set);
      const done = (): void => {
        set.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      set.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
