import { describe as describeMsg } from '../core/harness.js';
import type { Message } from '../types.js';
import type { EventQueue } from './event-queue.js';
import type { Prng } from './prng.js';

/** Link-level fault knobs; all probabilities are per message. */
export interface LinkFaults {
  loss: number;
  duplicate: number;
  /** Base one-way delay range in ms; spread reorders messages. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Probability of an extra long delay (a straggler overtaken by later messages). */
  straggle: number;
}

/** No faults, 1-3 ms delay. */
export const CALM: LinkFaults = {
  loss: 0,
  duplicate: 0,
  minDelayMs: 1,
  maxDelayMs: 3,
  straggle: 0,
};

/**
 * The simulated network between nodes: per-message loss, duplication, delay
 * and reordering, plus directed link cuts for symmetric and one-way
 * partitions. Delivery is a scheduled event on the shared virtual clock.
 */
export class SimNetwork {
  faults: LinkFaults = CALM;
  private readonly blocked = new Set<string>();
  sent = 0;
  delivered = 0;

  constructor(
    private readonly q: EventQueue,
    private readonly rng: Prng,
    private readonly deliver: (m: Message) => void,
    private readonly trace: (line: () => string) => void,
    /** Whether the receiver's log matches a MsgApp's (index, logTerm): a test oracle. */
    private readonly accepts: (m: Message) => boolean = () => true,
  ) {}

  /** Sends `m`, subject to the current faults and cuts. */
  send(m: Message): void {
    this.sent++;
    if (this.blocked.has(`${m.from}>${m.to}`) || this.rng.chance(this.faults.loss)) return;
    this.schedule(m);
    if (this.rng.chance(this.faults.duplicate)) this.schedule(m);
  }

  /**
   * While set, MsgApp batches lose their suffix from the first entry of the
   * sender's current term (see `truncateOwnTerm` for batches that start
   * with one). The result is
   * still a valid MsgApp (a prefix, as a smaller maxSizePerMsg would have
   * sent), but it lets old-term entries reach a majority without the new
   * leader's no-op: the Figure 8 setting.
   */
  truncateOwnTerm = false;

  private schedule(sent: Message): void {
    const m = this.truncateOwnTerm ? truncateOwnTerm(sent, this.accepts) : sent;
    if (m === undefined) return;
    const f = this.faults;
    let delay = f.minDelayMs + this.rng.next() * (f.maxDelayMs - f.minDelayMs);
    if (this.rng.chance(f.straggle)) delay += 20 + this.rng.int(200);
    this.q.after(delay, () => {
      // Cuts apply at delivery time too: a partition also stops packets in flight.
      if (this.blocked.has(`${m.from}>${m.to}`)) return;
      this.delivered++;
      this.trace(() => `deliver ${describeMsg(m)}`);
      this.deliver(m);
    });
  }

  /** Blocks messages from `a` to `b` (one-way). */
  cutOneWay(a: string, b: string): void {
    this.blocked.add(`${a}>${b}`);
  }

  /** Splits the nodes into groups that cannot talk to each other. */
  partition(groups: string[][]): void {
    for (const g of groups) {
      for (const h of groups) {
        if (g === h) continue;
        for (const a of g) for (const b of h) this.cutOneWay(a, b);
      }
    }
  }

  /** Removes every cut. */
  heal(): void {
    this.blocked.clear();
  }

  /** True if any link is cut. */
  partitioned(): boolean {
    return this.blocked.size > 0;
  }
}

/**
 * The prefix of a MsgApp before its sender's own-term entries. A batch that
 * starts with such an entry is lost if the receiver would accept it, and
 * delivered whole if it will be rejected anyway (so probing still works).
 * Emptied appends are never delivered: they would be probes the leader never
 * sent, and their acks look like stale acks.
 */
function truncateOwnTerm(m: Message, accepts: (m: Message) => boolean): Message | undefined {
  if (m.type !== 'MsgApp') return m;
  const cut = m.entries.findIndex((e) => e.term === m.term);
  if (cut < 0) return m;
  if (cut > 0) return { ...m, entries: m.entries.slice(0, cut) };
  return accepts(m) ? undefined : m;
}
