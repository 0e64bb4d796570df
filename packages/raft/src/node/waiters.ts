/** A promise's settle functions, kept until the outcome is known. */
export interface Waiter<T> {
  resolve(v: T): void;
  reject(err: unknown): void;
}

/** Creates a promise and its `Waiter`. */
export function deferred<T>(): { promise: Promise<T>; waiter: Waiter<T> } {
  let waiter!: Waiter<T>;
  const promise = new Promise<T>((resolve, reject) => {
    waiter = { resolve, reject };
  });
  return { promise, waiter };
}

/**
 * Waiters keyed by proposal sequence number. Each is settled at most once:
 * settling removes it.
 */
export class WaiterMap<T> {
  private readonly map = new Map<number, Waiter<T>>();

  /** Number of unsettled waiters. */
  get size(): number {
    return this.map.size;
  }
  /** Registers the waiter of proposal `seq`. */
  add(seq: number, w: Waiter<T>): void {
    this.map.set(seq, w);
  }
  /** Resolves proposal `seq` if it is still pending. */
  resolve(seq: number, v: T): void {
    const w = this.map.get(seq);
    this.map.delete(seq);
    w?.resolve(v);
  }
  /** Rejects every pending waiter with `err`. */
  rejectAll(err: unknown): void {
    const all = [...this.map.values()];
    this.map.clear();
    for (const w of all) w.reject(err);
  }
}
