import { afterEach, describe, expect, it } from 'vitest';
import { isSwarmletError, type ServiceSpecInput } from '@swarmlet/api-types';
import { FakeExecutor } from '@swarmlet/agent';
import { TestCluster, waitFor } from './testing.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const base = (name: string, o: Partial<ServiceSpecInput> = {}): ServiceSpecInput => ({
  name,
  task: { container: { image: 'busybox' }, restartPolicy: { delayMs: 0 } },
  ...o,
});

const nodesOf = (c: TestCluster, serviceId: string): string[] =>
  c
    .running(serviceId)
    .map((t) => t.nodeId)
    .sort();

describe('global services on fake executors', () => {
  it('runs one task per node and follows nodes joining, draining and changing labels', async () => {
    cluster = await TestCluster.start(2);
    const c = cluster;
    const svc = await c.control.createService(
      base('agent', {
        mode: 'global',
        task: {
          container: { image: 'busybox' },
          restartPolicy: { delayMs: 0 },
          placement: { constraints: ['node.labels.skip!=yes'] },
        },
      }),
    );
    await waitFor('2 running', () => nodesOf(c, svc.id).join() === 'node0,node1');
    expect((await c.control.getService('agent')).serviceStatus.desiredTasks).toBe(2);

    await c.addNode('node2');
    await waitFor('node2 joins', () => nodesOf(c, svc.id).join() === 'node0,node1,node2');

    await c.control.updateNode('node1', { availability: 'drain' });
    await waitFor('drained', () => nodesOf(c, svc.id).join() === 'node0,node2');
    expect(c.containers().filter((x) => x.nodeId === 'node1')).toEqual([]);

    await c.control.updateNode('node2', { labelAdd: { skip: 'yes' } });
    await waitFor('label', () => nodesOf(c, svc.id).join() === 'node0');

    await c.control.updateNode('node1', { availability: 'active' });
    await c.control.updateNode('node2', { labelRm: ['skip'] });
    await waitFor('back', () => nodesOf(c, svc.id).join() === 'node0,node1,node2');
    expect(c.running(svc.id).every((t) => t.slot === 0)).toBe(true);
  });

  it('refuses scale and replicas', async () => {
    cluster = await TestCluster.start(1);
    await cluster.control.createService(base('g', { mode: 'global' }));
    const err = await cluster.control.scaleService('g', 3).catch((e: unknown) => e);
    expect(isSwarmletError(err, 'INVALID_ARGUMENT')).toBe(true);
  });
});

describe('jobs on fake executors', () => {
  it('runs replicas completions with max-concurrent at a time, then reports completed', async () => {
    cluster = await TestCluster.start(2);
    const c = cluster;
    const svc = await c.control.createService(
      base('batch', { mode: 'replicated-job', replicas: 5, maxConcurrent: 2 }),
    );
    let peak = 0;
    for (let done = 0; done < 5;) {
      await waitFor('a running job task', () => c.running(svc.id).length > 0);
      await new Promise((r) => setTimeout(r, 30));
      const run = c.running(svc.id);
      peak = Math.max(peak, run.length);
      const node = c.nodes.find((n) => n.id === run[0]!.nodeId)!;
      node.executor.exit(run[0]!.id, 0);
      done++;
      await waitFor(
        'completion recorded',
        () => c.tasks(svc.id).filter((t) => t.status.state === 'complete').length === done,
      );
    }
    expect(peak).toBe(2);
    await waitFor('job completed', () => c.running(svc.id).length === 0);
    const view = await c.control.getService('batch');
    expect(view.serviceStatus).toMatchObject({
      completedTasks: 5,
      desiredTasks: 5,
      jobState: 'completed',
    });
    // History stays until the service is removed.
    expect(c.tasks(svc.id).filter((t) => t.status.state === 'complete')).toHaveLength(5);
  });

  it('retries failures up to the backoff limit, then fails the job with the reason', async () => {
    cluster = await TestCluster.start(1);
    const c = cluster;
    const svc = await c.control.createService(
      base('flaky', {
        mode: 'replicated-job',
        replicas: 1,
        task: {
          container: { image: 'busybox' },
          restartPolicy: { delayMs: 0, maxAttempts: 2 },
        },
      }),
    );
    for (let i = 1; i <= 3; i++) {
      await waitFor(`attempt ${i}`, () => c.running(svc.id).length === 1);
      c.nodes[0]!.executor.exit(c.running(svc.id)[0]!.id, 3);
      await waitFor(
        `failure ${i}`,
        () => c.tasks(svc.id).filter((t) => t.status.state === 'failed').length === i,
      );
    }
    await waitFor('job failed', () => c.tasks(svc.id).every((t) => t.desiredState !== 'running'));
    const view = await c.control.getService('flaky');
    expect(view.serviceStatus.jobState).toBe('failed');
    expect(view.serviceStatus.jobMessage).toBe(
      'job failed: 3 tasks failed (backoff limit 2); last: task: non-zero exit (3)',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(c.running(svc.id)).toEqual([]);
  });

  it('an update runs the job again as a new iteration', async () => {
    cluster = await TestCluster.start(1);
    const c = cluster;
    const svc = await c.control.createService(
      base('once', { mode: 'replicated-job', replicas: 1 }),
    );
    await waitFor('run', () => c.running(svc.id).length === 1);
    c.nodes[0]!.executor.exit(c.running(svc.id)[0]!.id, 0);
    await waitFor('completed', () => c.tasks(svc.id).some((t) => t.status.state === 'complete'));
    const cur = await c.control.getService('once');
    await c.control.updateService('once', { spec: cur.spec });
    await waitFor('second iteration runs', () =>
      c.running(svc.id).some((t) => t.jobIteration === 1),
    );
    expect((await c.control.getService('once')).serviceStatus.jobState).toBe('running');
  });
});

/** One node whose engine has no image `bad:1` (pulls fail permanently). */
async function clusterWithBadImage(): Promise<TestCluster> {
  const c = await TestCluster.start(0);
  const missingImages = new Map([['bad:1', 'no such image']]);
  await c.addNode('n1', new FakeExecutor({ nodeId: 'n1', hostname: 'n1', missingImages }));
  return c;
}

describe('rolling updates on fake executors', () => {
  const image = (c: TestCluster, id: string): string[] =>
    c.running(id).map((t) => t.spec.container.image);

  it('rolls back automatically when updated tasks fail (failure action rollback)', async () => {
    const c = (cluster = await clusterWithBadImage());
    const svc = await c.control.createService(
      base('web', {
        replicas: 3,
        updateConfig: { failureAction: 'rollback', monitorMs: 0 },
        rollbackConfig: { monitorMs: 0 },
      }),
    );
    await waitFor('3 running', () => c.running(svc.id).length === 3);
    const cur = await c.control.getService('web');
    await c.control.updateService('web', {
      spec: {
        ...cur.spec,
        task: { ...cur.spec.task, container: { ...cur.spec.task.container, image: 'bad:1' } },
      },
    });
    await waitFor(
      'rollback completed',
      () =>
        c.store.view((tx) => tx.get('service', svc.id)?.updateStatus?.state) ===
        'rollback_completed',
    );
    const after = await c.control.getService('web');
    expect(after.spec.task.container.image).toBe('busybox');
    expect(after.previousSpec?.task.container.image).toBe('bad:1');
    expect(after.updateStatus?.message).toMatch(
      /^update rolled back due to failure .*; rollback completed$/,
    );
    await waitFor('3 running again', () => c.running(svc.id).length === 3);
    expect(image(c, svc.id)).toEqual(['busybox', 'busybox', 'busybox']);
  });

  it('pauses on failure by default and says why; service rollback returns to the previous spec', async () => {
    const c = (cluster = await clusterWithBadImage());
    const svc = await c.control.createService(
      base('api', {
        replicas: 2,
        updateConfig: { monitorMs: 0 },
        rollbackConfig: { monitorMs: 0 },
      }),
    );
    await waitFor('2 running', () => c.running(svc.id).length === 2);
    const cur = await c.control.getService('api');
    await c.control.updateService('api', {
      spec: {
        ...cur.spec,
        task: { ...cur.spec.task, container: { ...cur.spec.task.container, image: 'bad:1' } },
      },
    });
    await waitFor(
      'paused',
      () => c.store.view((tx) => tx.get('service', svc.id)?.updateStatus?.state) === 'paused',
    );
    const paused = await c.control.getService('api');
    expect(paused.updateStatus?.message).toMatch(
      /^update paused due to failure or early termination of task \w+ \(.*no such image.*\)$/,
    );
    await c.control.rollbackService('api');
    await waitFor(
      'manual rollback completed',
      () =>
        c.store.view((tx) => tx.get('service', svc.id)?.updateStatus?.state) ===
        'rollback_completed',
    );
    await waitFor('2 running', () => c.running(svc.id).length === 2);
    expect(image(c, svc.id)).toEqual(['busybox', 'busybox']);
  });

  it('stop-first (default) never runs more than replicas; the update completes', async () => {
    cluster = await TestCluster.start(2);
    const c = cluster;
    const svc = await c.control.createService(
      base('w', { replicas: 3, updateConfig: { monitorMs: 0 } }),
    );
    await waitFor('3', () => c.running(svc.id).length === 3);
    let peak = 0;
    const probe = setInterval(() => (peak = Math.max(peak, c.containers().length)), 1);
    const cur = await c.control.getService('w');
    await c.control.updateService('w', {
      spec: {
        ...cur.spec,
        task: { ...cur.spec.task, container: { ...cur.spec.task.container, image: 'busybox:2' } },
      },
    });
    await waitFor(
      'completed',
      () => c.store.view((tx) => tx.get('service', svc.id)?.updateStatus?.state) === 'completed',
    );
    clearInterval(probe);
    expect(peak).toBeLessThanOrEqual(3);
    expect(image(c, svc.id)).toEqual(['busybox:2', 'busybox:2', 'busybox:2']);
  });
});
