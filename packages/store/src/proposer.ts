import type { Proposal, StoreSnapshot } from './kinds.js';

/**
 * Makes proposals durable (and, with Raft, replicated) before the store applies them.
 * `propose` resolves only once the proposal is committed: after it resolves the store applies
 * the actions and acknowledges the writer, so an acknowledged write survives a crash.
 * If it rejects, the store applies nothing and the writer gets the error.
 */
export interface Proposer {
  propose(proposal: Proposal): Promise<void>;
  /** Optional log compaction, called by the store with its state after a commit. */
  compact?(snapshot: StoreSnapshot): Promise<void>;
  /** True when `compact` should be called now. */
  wantsCompaction?(): boolean;
}

/** A proposer that commits immediately; for unit tests of components that use the store. */
export class InstantProposer implements Proposer {
  readonly proposals: Proposal[] = [];
  async propose(proposal: Proposal): Promise<void> {
    this.proposals.push(proposal);
  }
}
