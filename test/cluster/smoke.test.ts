import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_IMAGE,
  NODE_ADDRS,
  NODES,
  TEST_IMAGE,
  exec,
  heal,
  healAll,
  innerDocker,
  kill,
  partition,
  restart,
  start,
  state,
  swarmlet,
  trySwarmlet,
  waitFor,
  waitHealthy,
} from './helpers/compose.js';

// The cluster as scripts/cluster-test.sh brings it up: 5 nodes, each with its own engine and an
// uninitialised swarmletd. These tests check the harness itself; cluster behaviour has its own files.

/** Set by scripts/cluster-test.sh: the cluster was created for this run. */
const FRESH = process.env['SWARMLET_CLUSTER_FRESH'] === '1';

interface Info {
  state: 'inactive' | 'active';
  nodeId: string;
  tasks: { running: number; total: number };
}

async function info(node: (typeof NODES)[number]): Promise<Info> {
  return JSON.parse(await swarmlet(node, 'info', '--format', 'json')) as Info;
}

/** True when `from` reaches `to`'s address: one ping, bounded by busybox's -W and `timeout`. */
async function reaches(from: (typeof NODES)[number], to: (typeof NODES)[number]): Promise<boolean> {
  const res = await exec(from, ['timeout', '3', 'ping', '-c', '1', '-W', '1', NODE_ADDRS[to]]);
  return res.code === 0;
}

beforeAll(async () => {
  await Promise.all(NODES.map((n) => waitHealthy(n)));
});

describe('every node', () => {
  it.each(NODES)('%s: its engine runs a container and its swarmletd answers', async (node) => {
    const out = await innerDocker(node, 'run', '--rm', TEST_IMAGE, 'echo', `hello from ${node}`);
    expect(out.trim()).toBe(`hello from ${node}`);
    // Only m1 is ever initialised (below); a rerun against a kept cluster finds it active.
    const { state } = await info(node);
    if (node !== 'm1' || FRESH) expect(state).toBe('inactive');
  });
});

describe('single-node swarmlet on m1', () => {
  afterAll(async () => {
    await trySwarmlet('m1', ['service', 'rm', 'smoke']);
  });

  it('init, then 3 replicas of demo-web converge on m1 and answer', async () => {
    if ((await info('m1')).state === 'inactive') {
      expect(await swarmlet('m1', 'init')).toMatch(/Cluster initialized/);
    }
    await trySwarmlet('m1', ['service', 'rm', 'smoke']);
    await swarmlet('m1', 'service', 'create', '--replicas', '3', '--name', 'smoke', DEMO_IMAGE);

    const ids = await waitFor(
      async () => {
        const filter = 'label=io.swarmlet.service.name=smoke';
        const out = await innerDocker('m1', 'ps', '-q', '--filter', filter);
        const running = out.split('\n').filter((l) => l !== '');
        return running.length === 3 ? running : undefined;
      },
      { message: '3 running smoke containers in m1' },
    );
    const replies = await Promise.all(
      ids.map(async (id) => {
        const format = '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}';
        const ip = await innerDocker('m1', 'inspect', '-f', format, id);
        expect(ip.trim()).toMatch(/^192\.168\.211\./);
        const res = await exec('m1', [
          'timeout',
          '5',
          'wget',
          '-q',
          '-O',
          '-',
          `http://${ip.trim()}/`,
        ]);
        return res.stdout;
      }),
    );
    expect(replies.map((r) => /hello from (smoke\.\d)/.exec(r)?.[1]).sort()).toEqual([
      'smoke.1',
      'smoke.2',
      'smoke.3',
    ]);
    expect((await info('m1')).tasks.running).toBe(3);
  });
});

describe('partition helper', () => {
  afterAll(async () => {
    await healAll();
  });

  it('cuts m2 off from m1 both ways, leaves m3 reachable, and heals', async () => {
    expect(await reaches('m2', 'm1')).toBe(true);
    await partition('m2', ['m1']);
    expect(await reaches('m2', 'm1')).toBe(false);
    expect(await reaches('m1', 'm2')).toBe(false);
    expect(await reaches('m2', 'm3')).toBe(true);
    await heal('m2');
    expect(await reaches('m2', 'm1')).toBe(true);
    expect(await reaches('m1', 'm2')).toBe(true);
  });
});

describe('node lifecycle helpers', () => {
  it('kill + start (w1) and restart (w2) come back healthy with their state and images', async () => {
    const before = await Promise.all([info('w1'), info('w2')]);
    await kill('w1');
    expect(await state('w1')).toMatch(/^exited/);
    await Promise.all([start('w1'), restart('w2')]);
    await Promise.all([waitHealthy('w1'), waitHealthy('w2')]);
    const after = await Promise.all([info('w1'), info('w2')]);
    expect(after.map((i) => i.nodeId)).toEqual(before.map((i) => i.nodeId));
    const out = await innerDocker('w1', 'run', '--rm', TEST_IMAGE, 'echo', 'back');
    expect(out.trim()).toBe('back');
  });
});
