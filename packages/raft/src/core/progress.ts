import { ProgressState, type ProgressStatus, type Snapshot } from '../types.js';
import { Inflights } from './inflights.js';

/**
 * A leader's view of one follower (etcd's tracker.Progress).
 * - probe: one MsgApp at a time until the follower's match is found;
 * - replicate: optimistic pipelining, `next` advanced on send, bounded by inflights;
 * - snapshot: log entries paused while a snapshot is streamed in chunks.
 * Invariant: match < next.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** Set when a probe is outstanding; cleared by any response or heartbeat ack. */
  msgAppFlowPaused = false;
  /** Any message received since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;
  /** Snapshot being streamed (state snapshot only). */
  pendingSnapshot: Snapshot | undefined;
  /** Byte offset the follower acknowledged in the pending snapshot. */
  snapAcked = 0;
  /** Heartbeat ticks since the last snapshot chunk ack (drives resends). */
  snapIdleTicks = 0;

  constructor(
    next: number,
    maxInflight: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = undefined;
    this.snapAcked = 0;
    this.snapIdleTicks = 0;
    this.state = state;
    this.inflights.reset();
  }

  /** Back to probing from match+1 (after a rejection or a finished snapshot). */
  becomeProbe(): void {
    const snapIndex = this.pendingSnapshot?.meta.index;
    this.resetState(ProgressState.Probe);
    this.next = Math.max(this.match + 1, (snapIndex ?? 0) + 1);
  }

  /** Start pipelining from match+1. */
  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  /** Start streaming `snap`; log replication pauses until it is acknowledged. */
  becomeSnapshot(snap: Snapshot): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snap;
  }

  /** Accounts for a sent MsgApp carrying entries up to `last` (if any). */
  sentEntries(count: number, last: number): void {
    if (this.state === ProgressState.Replicate && count > 0) {
      this.next = last + 1;
      this.inflights.add(last);
    } else if (this.state === ProgressState.Probe) {
      this.msgAppFlowPaused = true;
    }
  }

  /** Applies an acknowledgement of `n`; false if it was stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * Handles a rejection of the append at `rejected`, with the follower's hint
   * `matchHint`. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    // A rejection at or below match is stale (or comes from a follower that
    // lost entries it acknowledged); acting on it could start an endless
    // probe/reject exchange, once per duplicate of the rejection.
    if (rejected <= this.match) return false;
    if (this.state === ProgressState.Replicate) {
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** True if the leader must not send more MsgApp now. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.msgAppFlowPaused;
      case ProgressState.Replicate:
        return this.inflights.full();
      default:
        return true;
    }
  }

  /** Public view for status(). */
  toStatus(): ProgressStatus {
    const { match, next, state, recentActive, isLearner } = this;
    return { match, next, state, recentActive, isLearner };
  }
}
