import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '@swarmlet/api-types';
import { NODES, TEST_IMAGE, swarmlet, waitFor, type NodeName } from './helpers/compose.js';
import {
  ensureCluster,
  listNodes,
  listTasks,
  perNode,
  removeService,
  running,
  runningContainers,
  updateNode,
  waitRunning,
  type ClusterState,
} from './helpers/swarm.js';

// Issue 7 on the 5-node cluster: global services follow drains and node labels, and placement
// (constraints, spread preferences, max replicas per node, memory reservations) decides where
// tasks run, or says why they cannot.

const GLOBAL = 'orch-global';
const GLOBAL_LABEL = 'orch-glabel';
const ZONED = 'orch-zoned';
const SPREAD = 'orch-spread';
const CAPPED = 'orch-capped';
const RESERVED = 'orch-reserved';
const SERVICES = [GLOBAL, GLOBAL_LABEL, ZONED, SPREAD, CAPPED, RESERVED];
// Labels this file sets; removed from every node afterwards.
const LABELS = ['orchtest', 'zone'];
const ZONE_A: readonly NodeName[] = ['w1', 'w2'];
const ZONE_B: readonly NodeName[] = ['m1', 'm2', 'm3'];
// Exits at once on SIGTERM (a bare `sleep` as PID 1 ignores it: each stop would take 10 s).
const SLEEP = [TEST_IMAGE, 'sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"];

let cluster: ClusterState;

const create = (...args: string[]): Promise<string> =>
  swarmlet(cluster.leader, 'service', 'create', '--detach', ...args);
const on = (node: NodeName) => (t: Task) => t.nodeId === cluster.names.id[node];
const pending = (tasks: readonly Task[]): Task[] =>
  tasks.filter((t) => t.desiredState === 'running' && t.status.state === 'pending');

/** Waits (bounded) until `node`'s engine runs `n` containers of `service`. */
async function waitContainers(node: NodeName, service: string, n: number): Promise<void> {
  await waitFor(async () => (await runningContainers(node, service)).length === n, {
    timeoutMs: 30_000,
    message: `${n} containers of ${service} in ${node}`,
  });
}

beforeAll(async () => {
  cluster = await ensureCluster();
});

afterAll(async () => {
  await Promise.all(SERVICES.map((s) => removeService(s).catch(() => undefined)));
  // Node state back as the other files expect it, also when a test failed half-way.
  const nodes = await listNodes();
  await Promise.all(
    nodes.map(async (n) => {
      const rm = LABELS.filter((l) => n.spec.labels?.[l] !== undefined);
      const args = [...(n.spec.availability === 'active' ? [] : ['--availability', 'active'])];
      for (const l of rm) args.push('--label-rm', l);
      if (args.length > 0) await updateNode(n.id, ...args);
    }),
  );
});

describe('global services on 5 nodes', () => {
  it('run one task per node, follow a drain and an activation of w2', async () => {
    const t0 = Date.now();
    await create('--name', GLOBAL, '--mode', 'global', ...SLEEP);
    const tasks = await waitRunning(GLOBAL, 5, { timeoutMs: 60_000 });
    console.log(`global: 5 tasks running ${Date.now() - t0} ms after service create`);
    expect(perNode(tasks, cluster.names)).toEqual(Object.fromEntries(NODES.map((n) => [n, 1])));
    for (const node of NODES) expect(await runningContainers(node, GLOBAL), node).toHaveLength(1);

    const t1 = Date.now();
    await updateNode(cluster.names.id.w2, '--availability', 'drain');
    const left = await waitRunning(GLOBAL, 4, { where: (t) => !on('w2')(t) });
    await waitContainers('w2', GLOBAL, 0);
    console.log(`global: w2 drained, its task and container gone in ${Date.now() - t1} ms`);
    expect(perNode(left, cluster.names).w2).toBe(0);
    // The other nodes keep the tasks they had.
    expect(left.map((t) => t.id).sort()).toEqual(
      tasks
        .filter((t) => !on('w2')(t))
        .map((t) => t.id)
        .sort(),
    );

    const t2 = Date.now();
    await updateNode(cluster.names.id.w2, '--availability', 'active');
    const back = await waitRunning(GLOBAL, 5);
    await waitContainers('w2', GLOBAL, 1);
    console.log(`global: w2 active again, a task runs there ${Date.now() - t2} ms later`);
    expect(perNode(back, cluster.names)).toEqual(Object.fromEntries(NODES.map((n) => [n, 1])));
  });

  it('with a label constraint, run on a node once it has the label, stop when it loses it', async () => {
    await create(
      '--name',
      GLOBAL_LABEL,
      '--mode',
      'global',
      '--constraint',
      'node.labels.orchtest==yes',
      ...SLEEP,
    );
    // No node has the label: nothing is created (checked after the orchestrator had time to act).
    await new Promise((r) => setTimeout(r, 2000));
    expect(await listTasks(GLOBAL_LABEL)).toEqual([]);

    const t0 = Date.now();
    await updateNode(cluster.names.id.w1, '--label-add', 'orchtest=yes');
    await waitRunning(GLOBAL_LABEL, 1, { where: on('w1') });
    await waitContainers('w1', GLOBAL_LABEL, 1);
    console.log(`global: label added to w1, task running there in ${Date.now() - t0} ms`);

    const t1 = Date.now();
    await updateNode(cluster.names.id.w1, '--label-rm', 'orchtest');
    await waitRunning(GLOBAL_LABEL, 0);
    await waitContainers('w1', GLOBAL_LABEL, 0);
    console.log(`global: label removed from w1, task stopped in ${Date.now() - t1} ms`);
    for (const node of NODES) expect(await runningContainers(node, GLOBAL_LABEL)).toEqual([]);
  });
});

describe('placement on 5 nodes (zone=a: w1, w2; zone=b: m1, m2, m3)', () => {
  beforeAll(async () => {
    const zone = (n: NodeName): string => `zone=${ZONE_A.includes(n) ? 'a' : 'b'}`;
    await Promise.all(NODES.map((n) => updateNode(cluster.names.id[n], '--label-add', zone(n))));
  });

  it('a constraint on zone==a runs the replicas on w1 and w2 only', async () => {
    await create(
      '--name',
      ZONED,
      '--replicas',
      '4',
      '--constraint',
      'node.labels.zone==a',
      ...SLEEP,
    );
    const tasks = await waitRunning(ZONED, 4);
    const counts = perNode(tasks, cluster.names);
    expect(counts).toEqual({ m1: 0, m2: 0, m3: 0, w1: 2, w2: 2 });
    for (const node of NODES) {
      expect(await runningContainers(node, ZONED), node).toHaveLength(counts[node]);
    }
  });

  it('spread=node.labels.zone evens out the zones (2 nodes vs 3), then the nodes', async () => {
    // Without the preference 10 replicas would run 2 per node: 4 in zone a, 6 in zone b.
    await create(
      '--name',
      SPREAD,
      '--replicas',
      '10',
      '--placement-pref',
      'spread=node.labels.zone',
      ...SLEEP,
    );
    const counts = perNode(await waitRunning(SPREAD, 10, { timeoutMs: 90_000 }), cluster.names);
    console.log(`placement: spread over zones ${JSON.stringify(counts)}`);
    const zone = (ns: readonly NodeName[]): number => ns.reduce((a, n) => a + counts[n], 0);
    expect([zone(ZONE_A), zone(ZONE_B)]).toEqual([5, 5]);
    for (const n of ZONE_A) expect(counts[n], n).toBeGreaterThanOrEqual(2);
    for (const n of ZONE_B) expect(counts[n], n).toBeGreaterThanOrEqual(1);
  });

  it('--replicas-max-per-node 1 with 7 replicas: 5 run, 2 stay PENDING and say why', async () => {
    await create('--name', CAPPED, '--replicas', '7', '--replicas-max-per-node', '1', ...SLEEP);
    const tasks = await waitRunning(CAPPED, 5);
    expect(perNode(tasks, cluster.names)).toEqual(Object.fromEntries(NODES.map((n) => [n, 1])));
    const stuck = await waitFor(
      async () => {
        const p = pending(await listTasks(CAPPED));
        return p.length === 2 && p.every((t) => /no suitable node/.test(t.status.message)) && p;
      },
      { timeoutMs: 20_000, message: '2 pending tasks of orch-capped with a message' },
    );
    console.log(`placement: pending with "${stuck[0]!.status.message}"`);
    for (const t of stuck) {
      expect(t.status.message).toMatch(/5 nodes already run 1 of its tasks \(max per node\)/);
    }
    const ps = await swarmlet(cluster.leader, 'service', 'ps', '--no-trunc', CAPPED);
    expect(ps).toMatch(/Pending.*no suitable node/);
    expect(running(await listTasks(CAPPED))).toHaveLength(5);
  });

  it('--reserve-memory larger than any node stays PENDING, then runs once lowered', async () => {
    await create('--name', RESERVED, '--reserve-memory', '1T', ...SLEEP);
    const [task] = await waitFor(
      async () => {
        const p = pending(await listTasks(RESERVED));
        return p.length === 1 && /lack memory/.test(p[0]!.status.message) && p;
      },
      { timeoutMs: 20_000, message: 'a pending task of orch-reserved lacking memory' },
    );
    expect(task!.status.message).toBe('no suitable node (5 nodes lack memory)');
    expect(running(await listTasks(RESERVED))).toEqual([]);

    const t0 = Date.now();
    await swarmlet(cluster.leader, 'service', 'update', '-d', '--reserve-memory', '16M', RESERVED);
    const [placed] = await waitRunning(RESERVED, 1);
    console.log(`placement: reservation lowered, task running in ${Date.now() - t0} ms`);
    expect(placed!.spec.resources.reservations.memoryBytes).toBe(16 * 1024 ** 2);
    expect(pending(await listTasks(RESERVED))).toEqual([]);
  });
});
