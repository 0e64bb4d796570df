import type { ClusterEvent } from '@swarmlet/api-types';

/**
 * A fixed-capacity ring of events in id order: appending past capacity evicts the oldest and
 * hands it back, so the owner knows what it no longer has. Pure.
 */
export class EventRing {
  private readonly slots: (ClusterEvent | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`event ring capacity must be a positive integer, got ${capacity}`);
    }
    this.slots = new Array<ClusterEvent | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds `ev` as the newest event; answers the evicted oldest one, if the ring was full. */
  push(ev: ClusterEvent): ClusterEvent | undefined {
    if (this.count < this.capacity) {
      this.slots[(this.head + this.count) % this.capacity] = ev;
      this.count++;
      return undefined;
    }
    const evicted = this.slots[this.head];
    this.slots[this.head] = ev;
    this.head = (this.head + 1) % this.capacity;
    return evicted;
  }

  /** Oldest first. */
  toArray(): ClusterEvent[] {
    const out: ClusterEvent[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.slots[(this.head + i) % this.capacity]!);
    return out;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}
