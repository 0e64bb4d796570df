import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGE, MANAGERS, heal, healAll, partition, waitFor } from './helpers/compose.js';
import {
  createService,
  ensureCluster,
  info,
  listServices,
  removeService,
  timedSwarmlet,
  waitLeader,
  watchLeaderChange,
  type ClusterState,
  type NodeName,
} from './helpers/swarm.js';

// (e) One manager cut off from both others by iptables DROP rules inside its node: on the
// isolated side a write fails (no quorum) within a bounded time and nothing is split-brained;
// the majority elects a leader if needed and accepts writes; after the heal the isolated manager
// catches up by itself. Once for the current leader, once for a follower.

/** The isolated manager must refuse a write within this long. */
const REFUSE_WITHIN_MS = 20_000;
/** After the heal, it must serve the majority's writes within this long. */
const CATCH_UP_WITHIN_MS = 10_000;
/**
 * The follower stays cut off at least this long: long enough for TCP's retransmission backoff
 * on the silently dropped connections to grow past the catch-up bound, so the test shows whether
 * the managers notice dead connections and dial again rather than wait for the kernel.
 */
const FOLLOWER_PARTITION_MS = 30_000;
/** The CLI call on the isolated side is killed after this (longer, to report how long it took). */
const ISOLATED_CALL_TIMEOUT_MS = 40_000;

const created: string[] = [];
let cluster: ClusterState;

beforeAll(async () => {
  cluster = await ensureCluster();
});
afterEach(async () => {
  await healAll();
});
afterAll(async () => {
  await healAll();
  for (const s of created) await removeService(s);
});

async function names(via: NodeName): Promise<string[]> {
  return (await listServices(via)).map((s) => s.spec.name).sort();
}

describe('partition of one manager from the other two', () => {
  it.each(['leader', 'follower'] as const)(
    'the isolated %s refuses writes, the majority goes on, and it catches up after the heal',
    async (which) => {
      const leader = await waitLeader();
      const isolated = which === 'leader' ? leader : MANAGERS.find((m) => m !== leader)!;
      const majority = MANAGERS.filter((m) => m !== isolated);
      const base = `part-${which}-base`;
      const refused = `part-${which}-isolated`;
      const accepted = `part-${which}-majority`;
      created.push(base, refused, accepted);
      await createService(isolated, base, 0, DEMO_IMAGE);

      const oldId = cluster.names.id[leader];
      const watches =
        which === 'leader'
          ? await Promise.all(majority.map((m) => watchLeaderChange(m, oldId)))
          : [];
      await Promise.all(watches.map((w) => w.ready));

      const t0 = Date.now();
      await partition(isolated, majority);
      // The write on the isolated side runs while the majority is checked.
      const isolatedWrite = timedSwarmlet(
        isolated,
        ['service', 'create', '--detach', '--name', refused, '--replicas', '0', DEMO_IMAGE],
        ISOLATED_CALL_TIMEOUT_MS,
      );

      // The majority has (or elects) a leader among itself and accepts writes, also forwarded.
      if (which === 'leader') {
        const seen = await Promise.all(watches.map((w) => w.result));
        console.log(
          `partition (${which}): new leader on the majority side ` +
            `${Math.min(...seen.map((s) => s.at)) - t0} ms after the partition`,
        );
      }
      const majorityLeader = await waitLeader(majority, 15_000);
      if (which === 'follower') expect(majorityLeader).toBe(leader);
      const majorityFollower = majority.find((m) => m !== majorityLeader)!;
      const tw = Date.now();
      await createService(majorityFollower, accepted, 0, DEMO_IMAGE);
      console.log(
        `partition (${which}): majority write accepted ${Date.now() - t0} ms after the ` +
          `partition (the call took ${Date.now() - tw} ms)`,
      );

      // The write sent at the partition, then one once the isolated side had time to notice.
      // Soft: a late or unclear refusal is reported, and the rest is still checked.
      const refusals = [
        ['in flight at the partition', await isolatedWrite],
        [
          'sent later',
          await timedSwarmlet(
            isolated,
            ['service', 'create', '--detach', '--name', refused, '--replicas', '0', DEMO_IMAGE],
            ISOLATED_CALL_TIMEOUT_MS,
          ),
        ],
      ] as const;
      for (const [when, res] of refusals) {
        const what = `write on isolated ${isolated} ${when}`;
        console.log(
          `partition (${which}): ${what} exited ${res.code} after ${res.ms} ms: ` +
            (res.stderr.trim() || res.stdout.trim()),
        );
        expect.soft(res.code, `${what}: must fail, not hang`).not.toBe(-1);
        expect.soft(res.code, `${what}: must fail`).not.toBe(0);
        expect.soft(res.ms, `${what}: must fail in bounded time`).toBeLessThan(REFUSE_WITHIN_MS);
        expect.soft(res.stderr, `${what}: must say why`).toMatch(/quorum|unavailable|leader/i);
      }
      // Linearizable reads: the isolated manager does not serve (possibly stale) state either.
      const read = await timedSwarmlet(isolated, ['service', 'ls'], ISOLATED_CALL_TIMEOUT_MS);
      expect.soft(read.code, `service ls on the isolated manager: ${read.stdout}`).not.toBe(0);
      // No split brain: the refused write exists nowhere.
      for (const m of majority) {
        const ns = await names(m);
        expect(ns, m).toContain(accepted);
        expect(ns, m).not.toContain(refused);
      }

      const hold = which === 'follower' ? FOLLOWER_PARTITION_MS : 0;
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + hold - Date.now())));
      const th = Date.now();
      console.log(`partition (${which}): healed after ${th - t0} ms`);
      await heal(isolated);
      const want = await names(majorityLeader);
      await waitFor(
        async () => {
          const mine = await names(isolated);
          return mine.join() === want.join();
        },
        { timeoutMs: CATCH_UP_WITHIN_MS, intervalMs: 250, message: `${isolated} caught up` },
      );
      console.log(
        `partition (${which}): ${isolated} serves the majority's writes ${Date.now() - th} ms ` +
          `after the heal`,
      );
      const after = await waitLeader(MANAGERS, 15_000);
      if (which === 'leader') expect(after).not.toBe(isolated);
      expect((await info(isolated)).isLeader).toBe(after === isolated);
      // And it takes writes again (forwarded when it follows).
      await timedSwarmlet(isolated, ['service', 'scale', '--detach', `${accepted}=1`], 30_000).then(
        (r) => expect(r.code, r.stderr).toBe(0),
      );
    },
  );
});
