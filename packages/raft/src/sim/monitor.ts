import type { Entry } from '../types.js';
import type { SafetyObserver } from './env.js';

/** A broken invariant, with the virtual time it was detected. */
export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
}

function fingerprint(e: Entry): string {
  let h = 2166136261;
  for (const b of e.data) h = Math.imul(h ^ b, 16777619);
  return `${e.term}/${e.type}/${e.data.length}/${h >>> 0}`;
}

/**
 * Checks Raft's safety properties online (Figure 3 of the paper):
 * - Election safety: at most one leader per term.
 * - State machine safety: all nodes apply the same entry at a given index.
 * - Leader completeness: a new leader's log holds every entry that was
 *   committed (by a leader of an older term) and applied anywhere so far.
 *   The term an entry was committed in is the term of the first leader whose
 *   commit index covered it, which can be later than the entry's own term.
 * Log matching is checked separately over the final logs (`checkLogMatching`).
 */
export class SafetyMonitor implements SafetyObserver {
  private readonly leaders = new Map<number, string>();
  private readonly applied = new Map<number, { fp: string; entry: Entry; by: string }>();
  private maxApplied = 0;
  /** commitTerm[i]: term of the first leader whose commit index reached i. */
  private readonly commitTerm: number[] = [0];
  leaderChanges = 0;

  /** @inheritDoc */
  onLeader(
    node: string,
    term: number,
    log: (i: number) => Entry | undefined,
    lastIndex: number,
  ): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== node) {
      throw new SafetyViolation(`election safety: ${prev} and ${node} both lead term ${term}`);
    }
    if (prev === undefined) {
      this.leaders.set(term, node);
      this.leaderChanges++;
      this.checkCompleteness(node, term, log, lastIndex);
    }
  }

  private checkCompleteness(
    node: string,
    term: number,
    log: (i: number) => Entry | undefined,
    last: number,
  ): void {
    for (let i = this.maxApplied; i >= 1; i--) {
      const a = this.applied.get(i);
      const committedIn = this.commitTerm[i];
      if (a === undefined || committedIn === undefined || committedIn >= term) continue;
      if (i > last)
        throw new SafetyViolation(
          `leader completeness: ${node} (term ${term}) lacks committed index ${i}`,
        );
      const mine = log(i);
      if (mine === undefined) return; // compacted: covered by a snapshot of committed state
      if (fingerprint(mine) !== a.fp) {
        throw new SafetyViolation(
          `leader completeness: ${node} (term ${term}) has a different entry at committed index ${i}`,
        );
      }
    }
  }

  /** @inheritDoc */
  onCommit(_node: string, term: number, commit: number): void {
    for (let i = this.commitTerm.length; i <= commit; i++) this.commitTerm.push(term);
  }

  /** @inheritDoc */
  onApply(node: string, entry: Entry): void {
    const fp = fingerprint(entry);
    const prev = this.applied.get(entry.index);
    if (prev === undefined) {
      this.applied.set(entry.index, { fp, entry, by: node });
      this.maxApplied = Math.max(this.maxApplied, entry.index);
    } else if (prev.fp !== fp) {
      throw new SafetyViolation(
        `state machine safety: index ${entry.index} applied as ${prev.fp} by ${prev.by} and ${fp} by ${node}`,
      );
    }
  }

  /** Highest index applied anywhere. */
  highestApplied(): number {
    return this.maxApplied;
  }
}

/** A node's log view for the log-matching check. */
export interface LogView {
  id: string;
  first: number;
  last: number;
  entry(i: number): Entry | undefined;
}

/**
 * Log matching (§5.3): if two logs hold an entry with the same index and
 * term, the logs are identical up to that index (over the indexes both still hold).
 */
export function checkLogMatching(logs: LogView[]): void {
  for (let x = 0; x < logs.length; x++) {
    for (let y = x + 1; y < logs.length; y++) checkPair(logs[x] as LogView, logs[y] as LogView);
  }
}

function checkPair(a: LogView, b: LogView): void {
  const lo = Math.max(a.first, b.first);
  let matched = false;
  for (let i = Math.min(a.last, b.last); i >= lo; i--) {
    const ea = a.entry(i);
    const eb = b.entry(i);
    if (ea === undefined || eb === undefined) return;
    if (!matched && ea.term === eb.term) matched = true;
    if (matched && fingerprint(ea) !== fingerprint(eb)) {
      throw new SafetyViolation(
        `log matching: ${a.id} and ${b.id} differ at ${i} below a common (index, term)`,
      );
    }
  }
}
