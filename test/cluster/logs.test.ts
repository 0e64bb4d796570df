import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODES, TEST_IMAGE, exec, swarmlet } from './helpers/compose.js';
import { ensureCluster, removeService, waitRunning, type ClusterState } from './helpers/swarm.js';

// `service logs` over the 5-node cluster: one task per node, read through a follower manager
// (the request goes to the leader, which asks every node's agent).

const SERVICE = 'logs';
const TICKER = 'ticker';
let cluster: ClusterState;

beforeAll(async () => {
  cluster = await ensureCluster();
});
afterAll(async () => {
  await removeService(SERVICE);
  await removeService(TICKER);
});

const follower = (): 'm1' | 'm2' | 'm3' => (cluster.leader === 'm2' ? 'm3' : 'm2');

describe('service logs on 5 nodes', () => {
  it('gathers every line of every task on every node, in order, with task and node', async () => {
    await swarmlet(
      follower(),
      'service',
      'create',
      '-d',
      '--name',
      SERVICE,
      '--replicas',
      '5',
      '--replicas-max-per-node',
      '1',
      TEST_IMAGE,
      'sh',
      '-c',
      'i=0; while [ $i -lt 20 ]; do echo "line $i"; i=$((i+1)); done; sleep 3600',
    );
    const tasks = await waitRunning(SERVICE, 5, { timeoutMs: 60_000 });
    expect(new Set(tasks.map((t) => t.nodeId)).size).toBe(5);
    await new Promise((r) => setTimeout(r, 1_000));

    const t0 = Date.now();
    const out = await swarmlet(follower(), 'service', 'logs', SERVICE);
    console.log(
      `service logs: ${out.split('\n').length - 1} lines from 5 nodes in ${Date.now() - t0} ms`,
    );
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(100);
    const hostnames = new Set<string>();
    for (const t of tasks) {
      const prefix = new RegExp(
        `^${SERVICE}\\.${t.slot}\\.${t.id.slice(0, 12)}\\w*@(\\S+)\\s+\\| line (\\d+)$`,
      );
      const mine = lines.map((l) => prefix.exec(l)).filter((m) => m !== null);
      expect(
        mine.map((m) => Number(m[2])),
        `lines of ${t.id}`,
      ).toEqual(Array.from({ length: 20 }, (_, i) => i));
      hostnames.add(mine[0]![1]!);
    }
    expect(hostnames.size).toBe(5);

    const tail = await swarmlet(follower(), 'service', 'logs', '--tail', '2', '--raw', SERVICE);
    expect(
      tail
        .split('\n')
        .filter((l) => l !== '')
        .sort(),
    ).toEqual([...Array(5).fill('line 18'), ...Array(5).fill('line 19')].sort());
  });

  it('follows new lines from every node until interrupted', async () => {
    await swarmlet(
      follower(),
      'service',
      'create',
      '-d',
      '--name',
      TICKER,
      '--mode',
      'global',
      TEST_IMAGE,
      'sh',
      '-c',
      'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done',
    );
    const tasks = await waitRunning(TICKER, NODES.length, { timeoutMs: 60_000 });
    // `timeout` ends the follower after 6 s, as Ctrl-C would.
    const res = await exec(
      follower(),
      [
        'timeout',
        '-s',
        'INT',
        '6',
        'swarmlet',
        'service',
        'logs',
        '-f',
        '--since',
        '1s',
        '--raw',
        '--no-task-ids',
        TICKER,
      ],
      { timeoutMs: 30_000 },
    );
    const ticks = res.stdout.split('\n').filter((l) => /^tick \d+$/.test(l));
    console.log(`service logs -f: ${ticks.length} lines from ${tasks.length} tasks in 6 s`);
    // Every node's task prints one line a second: at least 3 each while following.
    expect(ticks.length).toBeGreaterThanOrEqual(3 * tasks.length);
    expect(res.stderr).not.toMatch(/did not answer|error/i);
  });
});
