import type { Entry } from '../types.js';

/**
 * The replicated application. The driver calls `apply` for every committed
 * normal entry in log order, exactly once per entry across restarts, given
 * `appliedIndex()` is reported truthfully. `entry.data` is the payload that
 * was proposed (the driver's envelope removed); no-op entries are not passed.
 */
export interface StateMachine<R = unknown> {
  /**
   * Applies one entry and returns the result handed to the proposer's promise.
   * Must be deterministic and must not throw for entries it has accepted
   * before; a throw stops the node (the replicas would diverge otherwise).
   */
  apply(entry: Entry): R;
  /** Serializes the whole state as of the last applied entry. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with `data` from `snapshot()` (possibly another node's). */
  restore(data: Uint8Array): void;
  /**
   * Index of the last entry reflected in the state, for a state machine that
   * persists itself; entries up to it are not re-applied after a restart.
   * Omit (or return 0) for an in-memory state machine: it is then restored
   * from the latest snapshot and the log is replayed from there.
   */
  appliedIndex?(): number;
}
