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
  waitFor,
  waitHealthy,
} from './helpers/compose.js';

// The cluster as scripts/cluster-test.sh brings it up: 5 nodes, each with its own engine and
// swarmletd. These tests check the harness itself; cluster behaviour has its own files, which
// form the cluster first (helpers/swarm.ts `ensureCluster`). Vitest orders files by size and past
// durations, not by name, so this file may run before or after them: it accepts a node either
// uninitialised (`inactive`) or in the cluster (`active`).

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
    const { state, nodeId } = await info(node);
    expect(['inactive', 'active']).toContain(state);
    expect(nodeId).toMatch(/^[a-z0-9]{25}$/);
  });

  it('the engine runs demo-web, which answers on the node bridge', async () => {
    const name = 'smoke-web';
    await exec('w2', ['docker', 'rm', '-f', name]);
    try {
      await innerDocker('w2', 'run', '-d', '--name', name, DEMO_IMAGE);
      const format = '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}';
      const ip = (await innerDocker('w2', 'inspect', '-f', format, name)).trim();
      expect(ip).toMatch(/^192\.168\.222\./);
      const reply = await waitFor(
        async () => {
          const res = await exec('w2', ['timeout', '5', 'wget', '-q', '-O', '-', `http://${ip}/`]);
          return res.code === 0 ? res.stdout : undefined;
        },
        { timeoutMs: 10_000, message: 'demo-web answering' },
      );
      expect(reply).toMatch(/hello from/);
    } finally {
      await exec('w2', ['docker', 'rm', '-f', name]);
    }
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
