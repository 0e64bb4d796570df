import type Docker from 'dockerode';
import type { ServiceView, Task } from '@swarmlet/api-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from './helpers/daemon.js';
import {
  TEST_IMAGE,
  dockerClient,
  removeContainersByLabel,
  removeOverlays,
  requireImage,
  waitUntil,
} from './helpers/docker.js';

/**
 * Service modes and rolling updates on one node with the real engine, through the CLI: global
 * services follow drain/activate, jobs run to completion (and fail past their backoff limit),
 * updates roll and complete, a failing update rolls back by itself, `service rollback` returns
 * to the previous spec.
 */

const NODE_LABEL = 'io.swarmlet.node.id';
const POOL = '10.243.0.0/16';
/** `sleep` as PID 1 ignores SIGTERM: no grace period, so stops are quick. */
const QUICK = ['--stop-grace-period', '0s', '--restart-delay', '100ms'];

let docker: Docker;
let d: DaemonProcess;
let nodeId = '';

const cli = (args: string[]): Promise<string> => d.cliOk(args);

const tasksOf = (service: string): Promise<Task[]> => d.client.listTasks({ service });
const running = async (service: string): Promise<Task[]> =>
  (await tasksOf(service)).filter(
    (t) => t.status.state === 'running' && t.desiredState === 'running',
  );
const service = (name: string): Promise<ServiceView> => d.client.getService(name);

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  return waitUntil(async () => (await fn()) || undefined, {
    timeoutMs,
    intervalMs: 200,
    message: what,
  });
}

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  await removeOverlays(docker, '10.243.');
  d = await DaemonProcess.create('swarmlet-orch-');
  nodeId = await d.initCluster(POOL);
});

afterAll(async () => {
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  if (docker) await removeOverlays(docker, '10.243.');
});

describe('service modes (real engine)', () => {
  it('global: one task on the node; drained it goes, activated it comes back', async () => {
    await cli([
      'service',
      'create',
      '--name',
      'glob',
      '--mode',
      'global',
      ...QUICK,
      TEST_IMAGE,
      'sleep',
      '3600',
    ]);
    const [first] = await running('glob');
    expect(first).toMatchObject({ slot: 0, nodeId });
    expect((await cli(['service', 'ls'])).split('\n').find((l) => l.includes('glob'))).toMatch(
      /glob\s+global\s+1\/1\s/,
    );
    await cli(['node', 'update', '--availability', 'drain', nodeId]);
    await until('task gone', async () => (await running('glob')).length === 0);
    await cli(['node', 'update', '--availability', 'active', nodeId]);
    const [back] = await until('task back', async () => {
      const r = await running('glob');
      return r.length === 1 && r;
    });
    expect(back!.id).not.toBe(first!.id);
    await cli(['service', 'rm', 'glob']);
  });

  it('replicated-job: runs replicas completions, max-concurrent at a time; the CLI waits for it', async () => {
    const t0 = Date.now();
    const out = await cli([
      'service',
      'create',
      '--name',
      'job',
      '--mode',
      'replicated-job',
      '--replicas',
      '3',
      '--max-concurrent',
      '2',
      ...QUICK,
      TEST_IMAGE,
      'sh',
      '-c',
      'sleep 1',
    ]);
    console.log(`replicated-job: 3 completions, 2 at a time, in ${Date.now() - t0} ms`);
    expect(out).toContain('verify: Service converged');
    const tasks = await tasksOf('job');
    expect(tasks.filter((t) => t.status.state === 'complete')).toHaveLength(3);
    const view = await service('job');
    expect(view.serviceStatus).toMatchObject({
      completedTasks: 3,
      desiredTasks: 3,
      jobState: 'completed',
    });
    expect((await cli(['service', 'ls'])).split('\n').find((l) => l.includes(' job '))).toMatch(
      /0\/3 \(3\/3 completed\)/,
    );
    // At most 2 ran at once: the third started after one of the first two had ended.
    const started = tasks.map((t) => Date.parse(t.meta.createdAt)).sort((a, b) => a - b);
    const ended = tasks.map((t) => Date.parse(t.status.timestamp)).sort((a, b) => a - b);
    expect(started[2]!).toBeGreaterThanOrEqual(ended[0]! - 50);
    await cli(['service', 'rm', 'job']);
  });

  it('a job failing past its backoff limit is failed, and the CLI says why', async () => {
    const r = await d.cli([
      'service',
      'create',
      '--name',
      'badjob',
      '--mode',
      'replicated-job',
      '--replicas',
      '1',
      '--restart-max-attempts',
      '1',
      ...QUICK,
      TEST_IMAGE,
      'sh',
      '-c',
      'exit 3',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'job failed: 2 tasks failed (backoff limit 1); last: task: non-zero exit (3)',
    );
    expect((await tasksOf('badjob')).filter((t) => t.status.state === 'failed')).toHaveLength(2);
    await cli(['service', 'rm', 'badjob']);
  });

  it('global-job: runs once on the node', async () => {
    await cli([
      'service',
      'create',
      '--name',
      'gjob',
      '--mode',
      'global-job',
      ...QUICK,
      TEST_IMAGE,
      'true',
    ]);
    const view = await service('gjob');
    expect(view.serviceStatus).toMatchObject({ completedTasks: 1, jobState: 'completed' });
    await cli(['service', 'rm', 'gjob']);
  });
});

describe('rolling updates (real engine)', () => {
  const envOf = async (name: string): Promise<string[][]> =>
    (await running(name)).map((t) => t.spec.container.env);

  it('rolls every task and completes; inspect shows it', async () => {
    await cli([
      'service',
      'create',
      '--name',
      'roll',
      '--replicas',
      '3',
      '--update-monitor',
      '300ms',
      ...QUICK,
      TEST_IMAGE,
      'sleep',
      '3600',
    ]);
    const before = new Set((await running('roll')).map((t) => t.id));
    const t0 = Date.now();
    await cli(['service', 'update', '--env-add', 'V=2', 'roll']);
    console.log(`rolling update of 3 tasks (stop-first, parallelism 1): ${Date.now() - t0} ms`);
    const after = await running('roll');
    expect(after).toHaveLength(3);
    expect(after.some((t) => before.has(t.id))).toBe(false);
    expect(await envOf('roll')).toEqual([['V=2'], ['V=2'], ['V=2']]);
    const view = await until('completed', async () => {
      const v = await service('roll');
      return v.updateStatus?.state === 'completed' && v;
    });
    expect(view.previousSpec?.task.container.env).toEqual([]);
    expect(await cli(['service', 'inspect', '--pretty', 'roll'])).toMatch(
      /UpdateStatus:\n State:\s+completed/,
    );
  });

  it('service rollback returns to the previous spec', async () => {
    await cli(['service', 'rollback', 'roll']);
    expect(await envOf('roll')).toEqual([[], [], []]);
    expect((await service('roll')).updateStatus?.state).toBe('rollback_completed');
  });

  it('a failing update rolls back by itself with --update-failure-action rollback', async () => {
    await cli([
      'service',
      'update',
      '-d',
      '--update-failure-action',
      'rollback',
      '--rollback-monitor',
      '300ms',
      'roll',
    ]);
    const r = await d.cli(['service', 'update', '--args', 'sh -c "exit 1"', 'roll']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /rollback: update rolled back due to failure or early termination of task \w+/,
    );
    const view = await service('roll');
    expect(view.updateStatus?.state).toBe('rollback_completed');
    expect(view.spec.task.container.args).toEqual(['sleep', '3600']);
    await until('3 running on the old spec', async () => (await running('roll')).length === 3);
    expect(
      (await running('roll')).every((t) => t.spec.container.args.join(' ') === 'sleep 3600'),
    ).toBe(true);
    await cli(['service', 'rm', 'roll']);
  });
});
