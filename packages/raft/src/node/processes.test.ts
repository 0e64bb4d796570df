import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvClient } from './kv-example/kv-client.js';
import { KvProcessCluster } from './kv-example/process-cluster.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IDS = ['a', 'b', 'c'];
let dir: string;
let cluster: KvProcessCluster | undefined;

beforeAll(() => {
  // The processes run the compiled server: make sure dist is current.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', PKG], { stdio: 'ignore' });
  } catch {
    // A type error elsewhere in the package still leaves dist emitted; checked below.
  }
  expect(existsSync(path.join(PKG, 'dist/node/kv-example/main.js'))).toBe(true);
  dir = mkdtempSync(path.join(tmpdir(), 'raft-procs-'));
}, 60_000);

afterAll(async () => {
  await cluster?.killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Writers putting unique keys until `stop()`; only 200 answers count as acknowledged. */
function startWriters(
  servers: string[],
  n: number,
): { acked: Map<string, string>; stop: () => Promise<number> } {
  const acked = new Map<string, string>();
  let running = true;
  let failures = 0;
  const loops = Array.from({ length: n }, async (_, w) => {
    const client = new KvClient(servers, { deadlineMs: 8000 });
    for (let i = 0; running; i++) {
      const key = `w${w}-${i}`;
      const value = `v${i}-${'x'.repeat(32)}`;
      try {
        await client.put(key, new TextEncoder().encode(value));
        acked.set(key, value);
      } catch {
        failures++; // ambiguous: not acknowledged, so not checked
      }
    }
    client.close();
  });
  return {
    acked,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return failures;
    },
  };
}

async function converged(
  c: KvProcessCluster,
  acked: Map<string, string>,
  timeoutMs: number,
): Promise<Record<string, string>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const dumps = await Promise.all(IDS.map((id) => c.dump(id).catch(() => undefined)));
    const first = dumps[0]?.data;
    const same =
      first !== undefined &&
      dumps.every((d) => d !== undefined && JSON.stringify(d.data) === JSON.stringify(first));
    if (same && [...acked].every(([k, v]) => first[k] === v)) return first;
    if (Date.now() > end) {
      const missing = [...acked].filter(([k, v]) => first?.[k] !== v).length;
      throw new Error(`not converged: ${missing} acknowledged writes missing or wrong on node a`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('KV service on 3 real processes (file storage, loopback)', () => {
  it('loses no acknowledged write across kill -9 of the leader and a full restart', async () => {
    cluster = await KvProcessCluster.create({
      ids: IDS,
      dataDir: dir,
      tickMs: 50,
      electionTick: 10,
      snapshotEvery: 200,
      catchUpEntries: 20,
    });
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const writers = startWriters(cluster.servers, 8);
    await new Promise((r) => setTimeout(r, 1500));
    const beforeKill = writers.acked.size;
    await cluster.kill(leader, 'SIGKILL');
    const next = await cluster.waitForLeader(10_000, leader);
    expect(next).not.toBe(leader);
    await new Promise((r) => setTimeout(r, 2000));
    const failures = await writers.stop();
    const acked = writers.acked;
    expect(beforeKill).toBeGreaterThan(50);
    expect(acked.size).toBeGreaterThan(beforeKill + 50); // the new leader acknowledged writes too
    expect(failures).toBeLessThan(acked.size);

    await cluster.start(leader);
    const state = await converged(cluster, acked, 20_000);
    // It fell far behind the leader's compacted log: it caught up through a snapshot.
    expect((await cluster.status(leader))?.snapshots.snapshotsInstalled).toBeGreaterThan(0);

    await cluster.killAll('SIGKILL');
    await cluster.startAll();
    await cluster.waitForLeader();
    const after = await converged(cluster, acked, 20_000);
    expect(after).toEqual(state);
  }, 58_000);
});
