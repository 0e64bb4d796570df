/**
 * Bounded window of in-flight MsgApp messages to one follower, identified by
 * the last index each carried (etcd's Inflights). Full ⇒ the leader pauses.
 */
export class Inflights {
  private readonly items: number[] = [];

  constructor(readonly capacity: number) {}

  /** Records a sent message whose last entry is `index` (indexes increase). */
  add(index: number): void {
    if (this.full()) throw new Error('raft: inflights overflow');
    this.items.push(index);
  }

  /** Frees every message whose last index is ≤ `to` (acknowledged). */
  freeLE(to: number): void {
    let n = 0;
    while (n < this.items.length && (this.items[n] as number) <= to) n++;
    if (n > 0) this.items.splice(0, n);
  }

  /** Frees the oldest message (used when heartbeats show the follower alive but silent). */
  freeFirstOne(): void {
    this.items.shift();
  }

  /** Empties the window (on state change). */
  reset(): void {
    this.items.length = 0;
  }

  /** True when no more messages may be sent. */
  full(): boolean {
    return this.items.length >= this.capacity;
  }

  /** Messages currently in flight. */
  count(): number {
    return this.items.length;
  }
}
