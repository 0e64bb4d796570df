import { describe, expect, it } from 'vitest';
import { formatFailure, runSeed, runSeeds } from './run.js';

const CHUNK = 250;

/**
 * Registers the seeded-simulation tests for shard `shard` of `shards` (test
 * files are shards so vitest can run them on separate cores). Seeds come
 * from RAFT_SIM_FIRST (default 1) and RAFT_SIM_SEEDS (default 2000); each
 * failure prints its seed, the replay command and the trace tail.
 */
export function defineSeedSuite(shard: number, shards: number): void {
  const replay = process.env.RAFT_SIM_SEED;
  if (replay !== undefined) {
    // Replay mode: the verbose run is in simulation.test.ts; shards only re-check that seed.
    it(`seed ${replay} holds every invariant (replay mode, batches off)`, () => {
      expect(runSeed(Number(replay)).error).toBeUndefined();
    });
    return;
  }
  const total = Number(process.env.RAFT_SIM_SEEDS ?? 2000);
  const first = Number(process.env.RAFT_SIM_FIRST ?? 1);
  const per = Math.ceil(total / shards);
  const lo = first + shard * per;
  const hi = Math.min(first + total, lo + per);
  describe(`deterministic simulation, shard ${shard + 1}/${shards}: safety, liveness, linearizability`, () => {
    for (let start = lo; start < hi; start += CHUNK) {
      const count = Math.min(CHUNK, hi - start);
      it(`seeds ${start}..${start + count - 1} hold every invariant`, () => {
        const batch = runSeeds(start, count);
        for (const f of batch.failures) console.error(formatFailure(f));
        expect(batch.failures.map((f) => `${f.seed}: ${f.error}`)).toEqual([]);
        expect(batch.ops).toBeGreaterThan(count * 20);
      }, 300_000);
    }
  });
}
