import { execFile } from 'node:child_process';
import type Docker from 'dockerode';
import type { Task } from '@swarmlet/api-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from './helpers/daemon.js';
import {
  TEST_IMAGE,
  dockerClient,
  removeContainersByLabel,
  removeOverlays,
  requireImage,
  testRunId,
  waitUntil,
} from './helpers/docker.js';

/**
 * Health checks end to end on one node and the real engine: a task stays STARTING (and out of
 * DNS) until its check passes, a failing check fails the task and the orchestrator replaces it,
 * the image's own HEALTHCHECK applies unless --no-healthcheck.
 */

const NODE_LABEL = 'io.swarmlet.node.id';
const TASK_LABEL = 'io.swarmlet.task.id';
const POOL = '10.241.0.0/16';
const RUN = testRunId('health');
/** An image with its own always-failing HEALTHCHECK, built for this run and removed after. */
const HC_IMAGE = `swarmlet/health-test:${RUN}`;
/** `sleep` as PID 1 ignores SIGTERM: no grace period, so a stop is a kill at once. */
const FAST = [
  '--health-interval',
  '200ms',
  '--restart-delay',
  '100ms',
  '--stop-grace-period',
  '0s',
];

let docker: Docker;
let d: DaemonProcess;
let nodeId = '';

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, DOCKER_BUILDKIT: '0' };
    const child = execFile(cmd, args, { timeout: 60_000, env }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`))
        : resolve(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const cli = (args: string[]): Promise<string> => d.cliOk(args);

const tasksOf = (service: string): Promise<Task[]> => d.client.listTasks({ service });

async function containerOf(taskId: string): Promise<string> {
  const list = await docker.listContainers({ filters: { label: [`${TASK_LABEL}=${taskId}`] } });
  const id = list[0]?.Id;
  if (!id) throw new Error(`no running container of task ${taskId}`);
  return id;
}

/** `nslookup tasks.NAME` from the client task: the addresses answered (empty on NXDOMAIN). */
async function taskAddrs(name: string): Promise<string[]> {
  const [client] = (await tasksOf('hc-client')).filter((t) => t.status.state === 'running');
  const out = await run('docker', [
    'exec',
    await containerOf(client!.id),
    'nslookup',
    `tasks.${name}`,
  ]).catch((err: Error) => err.message);
  const answer = out.slice(Math.max(0, out.indexOf('Name:')));
  return [...answer.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!);
}

/** The first task of `service` matching `pred`, waited for. */
function taskWhere(
  service: string,
  pred: (t: Task) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<Task> {
  return waitUntil(async () => (await tasksOf(service)).find(pred), {
    timeoutMs,
    intervalMs: 100,
    message: `${service}: ${what}`,
  });
}

const addrOf = (t: Task): string => (t.networks?.[0]?.addr ?? '').split('/')[0]!;

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  await removeOverlays(docker, '10.241.');
  // The classic builder (newer clients default to BuildKit, which this engine lacks).
  await run(
    'docker',
    ['build', '-q', '-t', HC_IMAGE, '-'],
    `FROM ${TEST_IMAGE}\nHEALTHCHECK --interval=200ms --retries=2 CMD echo image-check-fails; false\n`,
  );
  d = await DaemonProcess.create('swarmlet-health-');
  nodeId = await d.initCluster(POOL);
  await cli(['service', 'create', '-d', '--name', 'hc-client', TEST_IMAGE, 'sleep', '3600']);
  await taskWhere('hc-client', (t) => t.status.state === 'running', 'client running');
});

afterAll(async () => {
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  if (docker) {
    await removeOverlays(docker, '10.241.');
    await docker
      .getImage(HC_IMAGE)
      .remove({ force: true })
      .catch(() => undefined);
  }
});

describe('health checks (real engine)', () => {
  it('keeps a task STARTING and out of DNS until its check passes, then RUNNING', async () => {
    await cli([
      'service',
      'create',
      '-d',
      '--name',
      'hca',
      '--health-cmd',
      'test -f /tmp/ready',
      '--health-retries',
      '1000',
      ...FAST,
      TEST_IMAGE,
      'sleep',
      '3600',
    ]);
    const starting = await taskWhere(
      'hca',
      (t) => t.status.message === 'starting (health: starting)',
      'health starting',
    );
    expect(starting.status.state).toBe('starting');
    // Probes fail meanwhile (no /tmp/ready): still STARTING, still no DNS record.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await tasksOf('hca')).map((t) => t.status.state)).toEqual(['starting']);
    expect(await taskAddrs('hca')).toEqual([]);
    expect(await cli(['service', 'ps', 'hca'])).toContain('Starting (health: starting)');

    await run('docker', ['exec', await containerOf(starting.id), 'touch', '/tmp/ready']);
    const running = await taskWhere(
      'hca',
      (t) => t.id === starting.id && t.status.state === 'running',
      'running',
    );
    expect(running.status.err).toBe('');
    await waitUntil(async () => (await taskAddrs('hca')).includes(addrOf(running)), {
      timeoutMs: 10_000,
      message: 'tasks.hca answers the healthy task',
    });
    await cli(['service', 'rm', 'hca']);
  });

  it('fails a task whose check never passes, with the probe output, and replaces it', async () => {
    await cli([
      'service',
      'create',
      '-d',
      '--name',
      'hcb',
      '--health-cmd',
      'echo probe-says-no; exit 1',
      '--health-retries',
      '2',
      ...FAST,
      TEST_IMAGE,
      'sleep',
      '3600',
    ]);
    const failed = await taskWhere('hcb', (t) => t.status.state === 'failed', 'failed');
    expect(failed.status.err).toBe('task: container unhealthy: probe-says-no');
    // The orchestrator puts a new task in the slot (held at desired READY for the restart delay).
    await taskWhere('hcb', (t) => t.id !== failed.id && t.slot === failed.slot, 'replacement');
    // The failed task's container was stopped, not left running unhealthy.
    await expect(containerOf(failed.id)).rejects.toThrow(/no running container/);
    await cli(['service', 'rm', 'hcb']);
  });

  it('fails a running task that turns unhealthy later, and replaces it', async () => {
    await cli([
      'service',
      'create',
      '-d',
      '--name',
      'hcc',
      '--health-cmd',
      'test -f /tmp/ok || (echo gone-ok; exit 1)',
      '--health-retries',
      '2',
      ...FAST,
      TEST_IMAGE,
      'sh',
      '-c',
      'touch /tmp/ok; exec sleep 3600',
    ]);
    const running = await taskWhere('hcc', (t) => t.status.state === 'running', 'running');
    await run('docker', ['exec', await containerOf(running.id), 'rm', '/tmp/ok']);
    const failed = await taskWhere(
      'hcc',
      (t) => t.id === running.id && t.status.state === 'failed',
      'failed',
    );
    expect(failed.status.err).toBe('task: container unhealthy: gone-ok');
    // Reported FAILED first (out of the traffic map), then its container is stopped.
    await waitUntil(
      async () => {
        const label = [`${TASK_LABEL}=${running.id}`];
        return (await docker.listContainers({ filters: { label } })).length === 0 || undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, message: 'the unhealthy container stopped' },
    );
    await taskWhere(
      'hcc',
      (t) => t.id !== running.id && t.status.state === 'running',
      'replacement running',
    );
    await cli(['service', 'rm', 'hcc']);
  });

  it("honours the image's HEALTHCHECK, and --no-healthcheck disables it", async () => {
    await cli([
      'service',
      'create',
      '-d',
      '--name',
      'hcd',
      '--restart-delay',
      '100ms',
      '--stop-grace-period',
      '0s',
      HC_IMAGE,
      'sleep',
      '3600',
    ]);
    const failed = await taskWhere(
      'hcd',
      (t) => t.status.state === 'failed',
      'failed by the image check',
    );
    expect(failed.status.err).toBe('task: container unhealthy: image-check-fails');
    await cli(['service', 'rm', 'hcd']);

    await cli([
      'service',
      'create',
      '-d',
      '--name',
      'hce',
      '--no-healthcheck',
      HC_IMAGE,
      'sleep',
      '3600',
    ]);
    const running = await taskWhere('hce', (t) => t.status.state === 'running', 'running');
    // Many probe periods of the image's check later: still the same running task.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await tasksOf('hce')).map((t) => [t.id, t.status.state])).toEqual([
      [running.id, 'running'],
    ]);
    const info = await docker.getContainer(await containerOf(running.id)).inspect();
    expect(info.Config.Healthcheck?.Test).toEqual(['NONE']);
    await cli(['service', 'rm', 'hce']);
  });
});
