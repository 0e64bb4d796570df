import type { ConfState } from '../types.js';
import { Progress } from './progress.js';

/** Outcome of counting votes. */
export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * Membership plus per-member progress and votes (etcd's ProgressTracker,
 * majority config only: membership changes are single-server).
 */
export class Tracker {
  voters = new Set<string>();
  learners = new Set<string>();
  progress = new Map<string, Progress>();
  votes = new Map<string, boolean>();

  constructor(readonly maxInflight: number) {}

  /** Replaces the membership; progress of new members starts at `next`. */
  setConf(cs: ConfState, next: number): void {
    this.voters = new Set(cs.voters);
    this.learners = new Set(cs.learners.filter((id) => !this.voters.has(id)));
    for (const id of [...this.progress.keys()]) {
      if (!this.voters.has(id) && !this.learners.has(id)) this.progress.delete(id);
    }
    for (const id of [...this.voters, ...this.learners]) {
      const pr = this.progress.get(id);
      if (pr === undefined) {
        const fresh = new Progress(next, this.maxInflight, this.learners.has(id));
        fresh.recentActive = true;
        this.progress.set(id, fresh);
      } else {
        pr.isLearner = this.learners.has(id);
      }
    }
  }

  /** Current membership. */
  confState(): ConfState {
    return { voters: [...this.voters].sort(), learners: [...this.learners].sort() };
  }

  /** Number of voters forming a majority. */
  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  /** Highest index replicated on a majority of voters (by match). */
  committed(): number {
    const matches = [...this.voters].map((id) => this.progress.get(id)?.match ?? 0);
    if (matches.length === 0) return Number.MAX_SAFE_INTEGER;
    matches.sort((a, b) => b - a);
    return matches[this.quorum() - 1] ?? 0;
  }

  /** Records a vote from a voter (learners' votes are ignored). */
  recordVote(id: string, granted: boolean): void {
    if (this.voters.has(id) && !this.votes.has(id)) this.votes.set(id, granted);
  }

  /** Whether the recorded votes decide the election. */
  tallyVotes(): VoteResult {
    let granted = 0;
    let rejected = 0;
    for (const [id, v] of this.votes) {
      if (!this.voters.has(id)) continue;
      if (v) granted++;
      else rejected++;
    }
    const q = this.quorum();
    if (granted >= q) return 'won';
    if (rejected > this.voters.size - q) return 'lost';
    return 'pending';
  }

  /** True if a majority of voters was recently active (`self` always counts). */
  quorumActive(self: string): boolean {
    let n = 0;
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive === true) n++;
    }
    return n >= this.quorum();
  }

  /** Calls `fn` for every member except `self`, in sorted id order (deterministic). */
  forEachPeer(self: string, fn: (id: string, pr: Progress) => void): void {
    for (const id of [...this.progress.keys()].sort()) {
      const pr = this.progress.get(id);
      if (id !== self && pr !== undefined) fn(id, pr);
    }
  }
}
