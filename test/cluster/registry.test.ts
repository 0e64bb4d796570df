import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../integration/helpers/registry.js';
import { MANAGERS, NODES, exec, execOk, innerDocker, swarmlet } from './helpers/compose.js';
import {
  ensureCluster,
  listTasks,
  perNode,
  removeService,
  waitRunning,
  type ClusterState,
} from './helpers/swarm.js';
import { waitFor } from './helpers/compose.js';

// Registry credentials on the 5-node cluster: Debian's docker-registry with htpasswd auth on the
// compose network's gateway (172.30.77.1, which the nodes' engines may reach over plain HTTP:
// --insecure-registry in docker-compose.test.yml). Without credentials the task is REJECTED with
// the registry's error; after `swarmlet registry login` every node pulls the image.

const GATEWAY = '172.30.77.1';
const USER = { user: 'swarmlet', password: `pw-${Date.now()}` };
let cluster: ClusterState;
let registry: TestRegistry | undefined;
let image = '';

beforeAll(async () => {
  cluster = await ensureCluster();
  registry = await startRegistry({ auth: USER, host: GATEWAY });
  image = `${registry.addr}/regtest:latest`;
  // Pushed from m1's engine, which has the test image; the tag goes again so pulls are real.
  const m1 = 'm1';
  await exec(m1, ['docker', 'login', '-u', USER.user, '--password-stdin', registry.addr], {
    input: USER.password,
  });
  await innerDocker(m1, 'tag', 'swarmlet/busybox:latest', image);
  await innerDocker(m1, 'push', image);
  await innerDocker(m1, 'rmi', image);
  await exec(m1, ['docker', 'logout', registry.addr]);
});

afterAll(async () => {
  for (const s of ['regnoauth', 'regauth']) await removeService(s).catch(() => undefined);
  await exec(cluster.leader, ['swarmlet', 'registry', 'rm', registry?.addr ?? '']);
  for (const n of NODES) await exec(n, ['docker', 'rmi', '-f', image]);
  await registry?.stop();
});

describe('registry credentials across 5 nodes', () => {
  it('without credentials the task is rejected with the registry error', async () => {
    await swarmlet(
      cluster.leader,
      'service',
      'create',
      '-d',
      '--name',
      'regnoauth',
      image,
      'sleep',
      '3600',
    );
    const rejected = await waitFor(
      async () =>
        (await listTasks('regnoauth', MANAGERS)).find((t) => t.status.state === 'rejected'),
      { timeoutMs: 30_000, message: 'a rejected task' },
    );
    expect(rejected.status.err).toMatch(/no basic auth credentials|unauthorized/);
    await removeService('regnoauth');
  });

  it('after registry login every node pulls the image and runs its task', async () => {
    await execOk(
      cluster.leader,
      ['swarmlet', 'registry', 'login', '-u', USER.user, '--password-stdin', registry!.addr],
      { input: `${USER.password}\n` },
    );
    await swarmlet(
      cluster.leader,
      'service',
      'create',
      '-d',
      '--name',
      'regauth',
      '--replicas',
      '5',
      image,
      'sleep',
      '3600',
    );
    const tasks = await waitRunning('regauth', 5, { timeoutMs: 60_000 });
    expect(Object.values(perNode(tasks, cluster.names))).toEqual([1, 1, 1, 1, 1]);
  });
});
