import { SwarmletError } from '@swarmlet/api-types';
import { NotLeaderError, RaftNodeError, type RaftNode } from '@swarmlet/raft';
import type { Proposal, Proposer } from '@swarmlet/store';
import { encodeProposal } from './codec.js';
import type { ApplyOutcome } from './state-machine.js';

/**
 * The store's proposer on a Raft manager: a write is committed once a quorum has it and this
 * node applied it (the state machine applies it to the store; the store then finds it done).
 * Raft failures become `UNAVAILABLE` (retry on the leader), a refused entry `CONFLICT`.
 */
export class RaftProposer implements Proposer {
  constructor(private readonly node: RaftNode<ApplyOutcome>) {}

  async propose(proposal: Proposal): Promise<void> {
    let outcome: ApplyOutcome;
    try {
      outcome = await this.node.propose(encodeProposal(proposal));
    } catch (err) {
      throw raftError(err);
    }
    if (outcome === 'conflict') {
      throw new SwarmletError(
        'CONFLICT',
        'the cluster state changed while this write was being replicated (leader change); retry',
      );
    }
  }
}

/** Maps a `RaftNode` rejection to the error catalogue, keeping the leader hint. */
export function raftError(err: unknown): SwarmletError {
  if (err instanceof NotLeaderError) {
    return new SwarmletError('UNAVAILABLE', err.message, {
      cause: err,
      details: { leader: err.leader },
    });
  }
  if (err instanceof RaftNodeError) {
    return new SwarmletError('UNAVAILABLE', `raft: ${err.message}`, { cause: err });
  }
  return new SwarmletError('INTERNAL', `raft: ${(err as Error).message}`, { cause: err });
}
