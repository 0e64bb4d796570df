import type { Entry, StateMachine } from '@swarmlet/raft';
import type { MemoryStore } from '@swarmlet/store';
import { decodeProposal, decodeSnapshot, encodeSnapshot } from './codec.js';

/** What applying one entry did: applied, or refused because it was built on another version. */
export type ApplyOutcome = 'applied' | 'conflict';

/**
 * The store as Raft's replicated state machine, on every manager. An entry carries one store
 * proposal built against version `v - 1`; it is applied only if the store is exactly at that
 * version, otherwise it is refused on every replica alike (a deterministic compare-and-set, as
 * an etcd transaction's compare). That keeps optimistic concurrency intact across leader
 * changes: a write a deposed leader built on stale state can commit in the log but never applies.
 */
export class StoreStateMachine implements StateMachine<ApplyOutcome> {
  /** Entries refused as conflicts (diagnostics). */
  conflicts = 0;

  constructor(private readonly store: MemoryStore) {}

  apply(entry: Entry): ApplyOutcome {
    const proposal = decodeProposal(entry.data);
    if (proposal.version !== this.store.version + 1) {
      this.conflicts++;
      return 'conflict';
    }
    this.store.applyCommitted(proposal);
    return 'applied';
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.store.snapshot());
  }

  restore(data: Uint8Array): void {
    this.store.restore(decodeSnapshot(data));
  }
}
