import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_IMAGE,
  MANAGERS,
  NODES,
  heal,
  healAll,
  kill,
  partition,
  start,
  state,
  waitFor,
  waitHealthy,
} from './helpers/compose.js';
import {
  HEARTBEAT_MS,
  createService,
  ensureCluster,
  listNodes,
  listTasks,
  perNode,
  removeService,
  runningContainers,
  waitRunning,
  type ClusterState,
} from './helpers/swarm.js';

// (c) docker kill of a worker node: its tasks run elsewhere within the heartbeat grace plus a
// start; started again, it is READY and its stale containers are stopped. Then a worker cut off
// from every manager (its containers keep running): after the heal its agent stops them.

const SERVICE = 'worker-loss';
const CUT = 'worker-cut';
const WORKER = 'w1';
const CUT_WORKER = 'w2';
let cluster: ClusterState;

beforeAll(async () => {
  cluster = await ensureCluster();
});
afterAll(async () => {
  await healAll();
  if (!(await state(WORKER)).startsWith('running')) await start(WORKER);
  for (const s of [SERVICE, CUT]) await removeService(s);
});

describe('worker loss', () => {
  it('tasks of a killed worker run elsewhere; back, it is READY and its stale containers stop', async () => {
    await createService(cluster.leader, SERVICE, 15, DEMO_IMAGE);
    const before = await waitRunning(SERVICE, 15);
    const wid = cluster.names.id[WORKER];
    const moved = before.filter((t) => t.nodeId === wid);
    expect(moved.length).toBeGreaterThan(0);
    const others = before.filter((t) => t.nodeId !== wid);

    const t0 = Date.now();
    await kill(WORKER);
    const after = await waitRunning(SERVICE, 15, {
      timeoutMs: 30_000,
      intervalMs: 200,
      where: (t) => t.nodeId !== wid,
    });
    const ms = Date.now() - t0;
    console.log(
      `worker loss: ${moved.length} tasks of ${WORKER} running elsewhere ${ms} ms after the kill ` +
        `(heartbeat grace ${3 * HEARTBEAT_MS} ms); per node ${JSON.stringify(perNode(after, cluster.names))}`,
    );
    expect(ms).toBeLessThan(15_000);
    // Only the lost worker's tasks were replaced.
    const ids = new Set(after.map((t) => t.id));
    expect(others.filter((t) => !ids.has(t.id)).map((t) => t.id)).toEqual([]);
    const node = (await listNodes()).find((n) => n.id === wid);
    expect(node?.status.state).toBe('down');
    const alive = NODES.filter((n) => n !== WORKER);
    expect(
      (await Promise.all(alive.map((n) => runningContainers(n, SERVICE)))).flat(),
    ).toHaveLength(15);

    const tStart = Date.now();
    await start(WORKER);
    await waitHealthy(WORKER, 60_000);
    await waitFor(
      async () => (await listNodes()).find((n) => n.id === wid)?.status.state === 'ready',
      { timeoutMs: 30_000, message: `${WORKER} READY again` },
    );
    console.log(`worker loss: ${WORKER} READY ${Date.now() - tStart} ms after docker start`);
    // None of the moved tasks' containers runs on the returning worker, and no task is reported
    // running there.
    await waitFor(async () => (await runningContainers(WORKER, SERVICE)).length === 0, {
      timeoutMs: 20_000,
      message: `no container of ${SERVICE} running in ${WORKER}`,
    });
    const tasks = await listTasks(SERVICE);
    for (const t of moved) {
      const now = tasks.find((x) => x.id === t.id);
      expect(now?.desiredState, t.id).not.toBe('running');
      expect(now?.status.state, t.id).not.toBe('running');
    }
    await waitRunning(SERVICE, 15, { timeoutMs: 10_000 });
  });

  it('a worker cut off from the managers: its tasks move, and after the heal its agent stops the stale containers', async () => {
    await createService(cluster.leader, CUT, 10, DEMO_IMAGE);
    const before = await waitRunning(CUT, 10);
    const wid = cluster.names.id[CUT_WORKER];
    const stale = before.filter((t) => t.nodeId === wid);
    expect(stale.length).toBeGreaterThan(0);

    const t0 = Date.now();
    await partition(CUT_WORKER, MANAGERS);
    await waitRunning(CUT, 10, {
      timeoutMs: 30_000,
      intervalMs: 200,
      where: (t) => t.nodeId !== wid,
    });
    console.log(
      `worker cut off: ${stale.length} tasks of ${CUT_WORKER} running elsewhere ${Date.now() - t0} ms after the partition`,
    );
    // Cut off, the worker cannot be told: its containers still run.
    expect((await runningContainers(CUT_WORKER, CUT)).length).toBe(stale.length);

    const th = Date.now();
    await heal(CUT_WORKER);
    await waitFor(
      async () => (await listNodes()).find((n) => n.id === wid)?.status.state === 'ready',
      { timeoutMs: 30_000, message: `${CUT_WORKER} READY again` },
    );
    await waitFor(async () => (await runningContainers(CUT_WORKER, CUT)).length === 0, {
      timeoutMs: 20_000,
      message: `stale containers of ${CUT} stopped in ${CUT_WORKER}`,
    });
    console.log(
      `worker cut off: after the heal ${CUT_WORKER} READY and its stale containers stopped in ${Date.now() - th} ms`,
    );
    await waitRunning(CUT, 10, { timeoutMs: 10_000 });
  });
});
