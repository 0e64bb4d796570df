import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NODES,
  TEST_IMAGE,
  exec,
  innerDocker,
  swarmlet,
  type NodeName,
} from './helpers/compose.js';
import {
  ensureCluster,
  removeService,
  runningContainers,
  waitRunning,
  type ClusterState,
} from './helpers/swarm.js';

// Issue 6 on the 5-node cluster: a secret reaches only the node that runs a task using it, is
// read there from /run/secrets, and its value is on no node's disk: not in any manager's Raft
// log (sealed with the manager's own key), not in any data dir or engine directory.

const SVC = 'secuser';
const SECRET = 'sec-marker';
const MARKER = `swl-cluster-secret-${randomBytes(8).toString('hex')}`;
let cluster: ClusterState;

beforeAll(async () => {
  cluster = await ensureCluster();
  const m = cluster.leader;
  const created = await exec(m, ['swarmlet', 'secret', 'create', SECRET, '-'], { input: MARKER });
  expect(created.code, created.stderr).toBe(0);
  await swarmlet(
    m,
    'service',
    'create',
    '--detach',
    '--name',
    SVC,
    '--secret',
    SECRET,
    TEST_IMAGE,
    'sleep',
    '3600',
  );
});

afterAll(async () => {
  await removeService(SVC).catch(() => undefined);
  await exec(cluster.leader, ['swarmlet', 'secret', 'rm', SECRET]);
});

describe('secrets across 5 nodes', () => {
  it('reach only the task node, read from /run/secrets, and sit on no disk', async () => {
    const [task] = await waitRunning(SVC, 1);
    const home = cluster.names.byId.get(task!.nodeId)!;
    const [id] = await runningContainers(home, SVC);
    expect(await innerDocker(home, 'exec', id!, 'cat', `/run/secrets/${SECRET}`)).toBe(MARKER);
    const b64 = Buffer.from(MARKER).toString('base64');
    for (const node of NODES as readonly NodeName[]) {
      // grep -r over the node's swarmlet data dir and its engine's files (not /run: tmpfs).
      const res = await exec(node, [
        'sh',
        '-c',
        'timeout 60 grep -rlsF -e "$1" -e "$2" /var/lib/swarmlet /var/lib/docker/containers || true',
        'sh',
        MARKER,
        b64,
      ]);
      expect(res.stdout.trim(), `files holding the secret on ${node}`).toBe('');
    }
  });
});
