import { configForSeed, type SimOverrides } from './options.js';
import { Simulation, type SimResult } from './simulation.js';

/** Runs one seed; with `tracing` the result carries the full event trace. */
export function runSeed(seed: number, tracing = false, over: SimOverrides = {}): SimResult {
  return new Simulation(configForSeed(seed, over), tracing).run();
}

/** Aggregate of a batch of seeds. */
export interface BatchResult {
  runs: number;
  failures: SimResult[];
  ops: number;
  leaderChanges: number;
  linUnknown: number;
  ms: number;
}

/** How a batch reports failures. */
export interface BatchOptions {
  /** Re-run failing seeds with tracing on, for a replayable trace. Default true. */
  traceFailures?: boolean;
  /** Stop after this many failures. Default: run every seed. */
  stopAfter?: number;
}

/** Runs seeds [first, first + count) and aggregates the results. */
export function runSeeds(
  first: number,
  count: number,
  over: SimOverrides = {},
  opts: BatchOptions = {},
): BatchResult {
  const { traceFailures = true, stopAfter = Infinity } = opts;
  const t0 = performance.now();
  const out: BatchResult = {
    runs: 0,
    failures: [],
    ops: 0,
    leaderChanges: 0,
    linUnknown: 0,
    ms: 0,
  };
  for (let seed = first; seed < first + count; seed++) {
    const r = runSeed(seed, false, over);
    out.runs++;
    out.ops += r.stats.ops;
    out.leaderChanges += r.stats.leaderChanges;
    if (r.stats.lin === 'unknown') out.linUnknown++;
    if (!r.ok) out.failures.push(traceFailures ? runSeed(seed, true, over) : r);
    if (out.failures.length >= stopAfter) break;
  }
  out.ms = performance.now() - t0;
  return out;
}

/** A failure report: the seed, how to replay it, the error and the trace tail. */
export function formatFailure(r: SimResult, tailLines = 120): string {
  const tail = r.trace.slice(-tailLines).join('\n');
  return [
    `seed ${r.seed} FAILED: ${r.error ?? 'unknown error'}`,
    `replay: RAFT_SIM_SEED=${r.seed} npx vitest run --project unit packages/raft/src/sim/simulation.test.ts`,
    `last ${Math.min(tailLines, r.trace.length)} of ${r.trace.length} trace lines:`,
    tail,
  ].join('\n');
}
