interface Scheduled {
  time: number;
  seq: number;
  run: () => void;
}

/**
 * Virtual-time event queue: a binary min-heap ordered by (time, insertion
 * order), so runs are deterministic. Time only moves forward when `step`
 * pops an event.
 */
export class EventQueue {
  private heap: Scheduled[] = [];
  private seq = 0;
  /** Current virtual time (ms). */
  now = 0;
  /** Events run so far. */
  executed = 0;

  /** Schedules `run` at now + `delay` (delay ≥ 0). */
  after(delay: number, run: () => void): void {
    this.push({ time: this.now + Math.max(0, delay), seq: this.seq++, run });
  }

  /** Runs the earliest event if it is due by `until`; false when none is. */
  step(until: number): boolean {
    const top = this.heap[0];
    if (top === undefined || top.time > until) return false;
    this.pop();
    this.executed++;
    this.now = top.time;
    top.run();
    return true;
  }

  /**
   * Runs events until virtual time `until` (inclusive) or the queue drains.
   * Throws once more than `maxEvents` events have run in total (a message
   * storm would otherwise hang the run).
   */
  runUntil(until: number, maxEvents = Infinity): void {
    while (this.step(until)) {
      if (this.executed > maxEvents)
        throw new Error(`runaway: more than ${maxEvents} events by ${this.now.toFixed(0)} ms`);
    }
    this.now = Math.max(this.now, until);
  }

  private push(e: Scheduled): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i] as Scheduled, h[p] as Scheduled)) break;
      [h[i], h[p]] = [h[p] as Scheduled, h[i] as Scheduled];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l] as Scheduled, h[m] as Scheduled)) m = l;
      if (r < h.length && less(h[r] as Scheduled, h[m] as Scheduled)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as Scheduled, h[i] as Scheduled];
      i = m;
    }
  }
}

function less(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
