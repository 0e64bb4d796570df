import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGE, NODES, exec, innerDocker } from './helpers/compose.js';
import {
  createService,
  ensureCluster,
  perNode,
  removeService,
  runningContainers,
  waitRunning,
  type ClusterState,
} from './helpers/swarm.js';

// (a) Scheduling over the 5-node cluster: 15 replicas spread 3 per node, each running in its
// node's own engine and answering there.

const SERVICE = 'spread';
let cluster: ClusterState;

beforeAll(async () => {
  cluster = await ensureCluster();
});
afterAll(async () => {
  await removeService(SERVICE);
});

describe('15 replicas of demo-web on 5 nodes', () => {
  it('all run, 3 per node, each in its node engine, and answer from inside the node', async () => {
    const t0 = Date.now();
    // Through a follower: the write is forwarded to the leader.
    const via = cluster.leader === 'm2' ? 'm3' : 'm2';
    await createService(via, SERVICE, 15, DEMO_IMAGE);
    const tasks = await waitRunning(SERVICE, 15, { timeoutMs: 60_000 });
    console.log(`spread: 15 replicas running ${Date.now() - t0} ms after service create`);

    // The scheduler spreads evenly: every node runs 3.
    expect(perNode(tasks, cluster.names)).toEqual(Object.fromEntries(NODES.map((n) => [n, 3])));
    expect(new Set(tasks.map((t) => t.slot))).toEqual(
      new Set(Array.from({ length: 15 }, (_, i) => i + 1)),
    );

    // Each engine runs exactly the containers of the tasks assigned to its node.
    for (const node of NODES) {
      const mine = tasks.filter((t) => t.nodeId === cluster.names.id[node]);
      expect((await runningContainers(node, SERVICE)).length, node).toBe(mine.length);
    }

    await Promise.all(
      tasks.map(async (task) => {
        const node = cluster.names.byId.get(task.nodeId)!;
        const filter = `label=io.swarmlet.task.id=${task.id}`;
        const ids = (await innerDocker(node, 'ps', '-q', '--filter', filter))
          .split('\n')
          .filter((l) => l !== '');
        expect(ids, `container of ${task.id} in ${node}`).toHaveLength(1);
        const format =
          '{{index .Config.Labels "io.swarmlet.node.id"}} ' +
          '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}';
        const [labelNode, ip = ''] = (await innerDocker(node, 'inspect', '-f', format, ids[0]!))
          .trim()
          .split(' ');
        expect(labelNode).toBe(task.nodeId);
        // On the overlay, at the address the allocator gave the task.
        expect(ip).toBe((task.networks?.[0]?.addr ?? '').split('/')[0]);
        // busybox wget -T segfaults: bounded by `timeout` instead.
        const res = await exec(node, ['timeout', '5', 'wget', '-q', '-O', '-', `http://${ip}/`]);
        expect(res.code, res.stderr).toBe(0);
        expect(res.stdout).toMatch(new RegExp(`hello from ${SERVICE}\\.${task.slot}\\b`));
      }),
    );
  });
});
