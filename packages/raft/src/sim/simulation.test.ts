import { describe, expect, it } from 'vitest';
import { configForSeed } from './options.js';
import { formatFailure, runSeed, runSeeds } from './run.js';

// The seed batches live in seeds-*.test.ts (two shards, one per core).
// RAFT_SIM_SEED=n replays exactly one seed with its full trace instead.
const single = process.env.RAFT_SIM_SEED;

if (single !== undefined)
  describe('replay of one seed', () => {
    it(`seed ${single} (verbose)`, () => {
      const seed = Number(single);
      const r = runSeed(seed, true);
      console.log(JSON.stringify(configForSeed(seed), null, 2));
      console.log(r.trace.join('\n'));
      console.log(r.ok ? `seed ${seed} ok: ${JSON.stringify(r.stats)}` : formatFailure(r, 0));
      expect(r.error).toBeUndefined();
    }, 300_000);
  });

if (single === undefined)
  describe('the simulator itself', () => {
    it('is deterministic: a seed replays to the identical trace', () => {
      const a = runSeed(42, true);
      const b = runSeed(42, true);
      expect(a.trace.length).toBeGreaterThan(1000);
      expect(b.trace).toEqual(a.trace);
      expect(runSeed(43, true).trace).not.toEqual(a.trace);
    });

    it('exercises crashes, snapshots, membership changes, transfers, pauses and Figure 8 across seeds', () => {
      const seen = new Set<string>();
      for (let seed = 1; seed <= 60; seed++) {
        for (const line of runSeed(seed, true).trace) {
          for (const k of [
            'crash',
            'fsync failed',
            'compact to',
            'MsgSnap ',
            'conf-change add-node',
            'conf-change remove-node',
            'transfer',
            'partition',
            'cut ',
            'paused for',
            'fault truncate-own-term',
            'figure8: (d)',
          ]) {
            if (line.includes(k)) seen.add(k);
          }
          if (/conf-change .* proposed/.test(line)) seen.add('proposed');
        }
      }
      expect([...seen].sort()).toEqual(
        [
          'MsgSnap ',
          'compact to',
          'conf-change add-node',
          'conf-change remove-node',
          'crash',
          'cut ',
          'fsync failed',
          'partition',
          'proposed',
          'transfer',
          'paused for',
          'fault truncate-own-term',
          'figure8: (d)',
        ].sort(),
      );
    });

    it('catches a driver that sends messages before fsync (votes and acks forgotten on crash)', () => {
      const over = { crashes: true, node: { bug: 'send-before-fsync' as const, fsyncMs: 5 } };
      const errors: string[] = [];
      for (let seed = 1; seed <= 600 && !errors.some((e) => !e.includes('liveness')); seed++) {
        const r = runSeed(seed, false, over);
        if (r.error !== undefined) errors.push(r.error);
      }
      // Forgotten acks show up as stalls (liveness) and, sooner or later, as lost
      // committed data or split votes (safety).
      expect(errors.find((e) => !e.includes('liveness'))).toMatch(
        /election safety|state machine safety|leader completeness|log matching|linearizability/,
      );
    }, 120_000);

    it('catches stale reads served without ReadIndex (linearizability checker)', () => {
      const over = { node: { bug: 'local-reads' as const } };
      const { failures } = runSeeds(1, 200, over, { traceFailures: false, stopAfter: 3 });
      expect(failures.length).toBe(3);
      for (const f of failures) expect(f.error).toContain('linearizability');
    }, 120_000);
  });
