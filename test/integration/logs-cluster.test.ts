import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from './helpers/daemon.js';
import { LoopbackCluster, waitFor, type Member } from './helpers/cluster.js';
import { TEST_IMAGE, dockerClient, requireImage, testRunId } from './helpers/docker.js';

/**
 * `service logs` and `volume ls` asked of a follower manager on a loopback cluster (2 managers,
 * 1 worker, real daemons sharing the local engine): the follower forwards to the leader, whose
 * agents read the containers of every node; `-f` streams through the forwarding; a worker that
 * went away gives one notice naming it instead of a hang.
 */

const RUN = testRunId('lgc');
const SVC = `lgc${RUN.slice(-8)}`;
// A line now, then one every second (what -f must see arriving).
const SCRIPT =
  'echo "hello from $HOSTNAME"; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done';

describe('logs through a follower manager', () => {
  const c = new LoopbackCluster(4360);
  let leader: Member, follower: Member, worker: Member;
  let workerId = '';

  beforeAll(async () => {
    await requireImage(await dockerClient(), TEST_IMAGE);
    const [m1, m2, w1] = [await c.add(), await c.add(), await c.add()];
    await c.init(m1!);
    await c.join(m2!, m1!, 'manager');
    await c.join(w1!, m1!, 'worker');
    worker = w1!;
    workerId = (await worker.d.client.info()).nodeId;
    await waitFor(
      async () => (await m1!.d.client.listNodes()).every((n) => n.status.state === 'ready'),
      20_000,
      '3 ready nodes',
    );
    leader = await c.leader();
    follower = [m1!, m2!].find((m) => m !== leader)!;
    const r = await follower.d.cli([
      'service',
      'create',
      '-d',
      '--stop-grace-period',
      '1s',
      '--replicas',
      '3',
      '--name',
      SVC,
      TEST_IMAGE,
      'sh',
      '-c',
      SCRIPT,
    ]);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(
      async () => {
        const ts = await leader.d.client.listTasks({ service: SVC });
        const on = new Set(ts.filter((t) => t.status.state === 'running').map((t) => t.nodeId));
        return on.size === 3;
      },
      60_000,
      'one running task on each of the 3 nodes',
    );
  }, 120_000);
  afterAll(() => c.dispose(), 60_000);

  it('a follower serves service logs of every node (forwarded to the leader)', async () => {
    expect((await follower.d.client.info()).isLeader).toBe(false);
    const tasks = (await leader.d.client.listTasks({ service: SVC })).filter(
      (t) => t.status.state === 'running',
    );
    const r = await follower.d.cli(['service', 'logs', '--no-trunc', SVC]);
    expect(r.code, r.stderr).toBe(0);
    for (const t of tasks) {
      expect(r.stdout).toMatch(
        new RegExp(`^${SVC}\\.${t.slot}\\.${t.id}@\\S+    \\| hello from `, 'm'),
      );
    }
    const vols = await follower.d.cli(['volume', 'ls']);
    expect(vols.code, vols.stderr).toBe(0);
    expect(vols.stderr).toBe('');
  });

  it('-f streams through the forwarding, and a worker that goes away is one notice', async () => {
    const child = spawn(process.execPath, [
      CLI_BIN,
      '--socket',
      follower.d.socket,
      'service',
      'logs',
      '-f',
      '--since',
      '1s',
      '--raw',
      SVC,
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      // New ticks keep arriving from the three replicas after the command started.
      await waitFor(async () => (out.match(/^tick \d+$/gm) ?? []).length >= 6, 20_000, 'six ticks');
      await worker.d.kill('SIGKILL');
      const after = await follower.d.cli(['service', 'logs', '--tail', '1', SVC], 30_000);
      expect(after.code, after.stderr).toBe(0);
      const notices = after.stderr.split('\n').filter((l) => l.startsWith('Warning: '));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain(workerId);
      // The lines of the two managers' replicas are still there.
      expect(after.stdout.split('\n').filter(Boolean)).toHaveLength(2);
      child.kill('SIGINT');
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('hung'), 10_000)),
      ]);
      expect([0, 130]).toContain(code);
      expect(err).not.toMatch(/^Error/m);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
