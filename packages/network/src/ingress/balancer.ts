import type { Backend } from './types.js';

/** A backend chosen for one client connection, and how many choices that connection has used. */
export interface Choice {
  /** The backend list this choice indexes (the one current when it was made). */
  readonly list: readonly Backend[];
  readonly index: number;
  /** Backends tried before this one for the same client connection. */
  readonly tried: number;
}

/**
 * Round-robin over a backend list that the owner replaces at any time.
 *
 * `first()` is called once per accepted connection, in order of acceptance, and advances the
 * rotation by exactly one: with no failures, backends are chosen 0, 1, 2, 0, 1, 2, ... A failed
 * attempt moves on with `next()`, which tries the following backends in list order without
 * advancing the rotation, so later connections keep their place in the cycle.
 */
export class RoundRobin {
  private list: readonly Backend[] = [];
  /** Choices made by `first()` so far: the n-th (from 0) starts at index n mod length. */
  private accepted = 0;

  /** The current backends (a frozen copy of what was set). */
  get backends(): readonly Backend[] {
    return this.list;
  }

  /**
   * Replaces the list. Only later choices see it; connections already made are untouched. The
   * count of accepted connections is kept, so the n-th connection still starts at n mod length.
   */
  set(backends: readonly Backend[]): void {
    this.list = Object.freeze(backends.map((b) => Object.freeze({ addr: b.addr, port: b.port })));
  }

  /** The backend for a newly accepted connection, or undefined when the list is empty. */
  first(): Choice | undefined {
    const list = this.list;
    if (list.length === 0) return undefined;
    const index = this.accepted % list.length;
    this.accepted++;
    return { list, index, tried: 0 };
  }

  /**
   * The backend to try after `failed` did not accept, or undefined once as many backends as the
   * current list holds were tried for this connection. If the list was replaced meanwhile, the
   * choice restarts on the new list at the rotation's current index, without advancing it (a
   * removed backend is never tried again).
   */
  next(failed: Choice): Choice | undefined {
    const tried = failed.tried + 1;
    if (tried >= this.list.length) return undefined;
    if (failed.list === this.list) {
      return { list: this.list, index: (failed.index + 1) % this.list.length, tried };
    }
    return { list: this.list, index: this.accepted % this.list.length, tried };
  }
}
