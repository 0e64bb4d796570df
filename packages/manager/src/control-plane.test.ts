import { afterEach, describe, expect, it } from 'vitest';
import { isSwarmletError, isTerminalState } from '@swarmlet/api-types';
import { LEADER_CHANGE_MESSAGE } from './dispatcher/dispatcher.js';
import { TestCluster, waitFor } from './testing.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const spec = (name: string, replicas: number, restart: object = { delayMs: 0 }) => ({
  name,
  replicas,
  task: { container: { image: 'busybox' }, restartPolicy: restart },
});

describe('control plane on fake executors', () => {
  it('runs 15 replicas spread evenly over 3 nodes', async () => {
    cluster = await TestCluster.start(3);
    const svc = await cluster.control.createService(spec('web', 15));
    await waitFor('15 running', () => cluster!.running(svc.id).length === 15);
    const perNode = new Map<string, number>();
    for (const c of cluster.containers()) perNode.set(c.nodeId, (perNode.get(c.nodeId) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([5, 5, 5]);
    expect(new Set(cluster.running(svc.id).map((t) => t.slot))).toEqual(
      new Set(Array.from({ length: 15 }, (_, i) => i + 1)),
    );
  });

  it('replaces a crashed task in the same slot, keeping the old one as history', async () => {
    cluster = await TestCluster.start(1);
    const svc = await cluster.control.createService(spec('web', 3));
    await waitFor('3 running', () => cluster!.running(svc.id).length === 3);
    const victim = cluster.running(svc.id).find((t) => t.slot === 2)!;
    cluster.nodes[0]!.executor.exit(victim.id, 137);
    await waitFor('replacement', () =>
      cluster!.running(svc.id).some((t) => t.slot === 2 && t.id !== victim.id),
    );
    const old = cluster.tasks(svc.id).find((t) => t.id === victim.id)!;
    expect(old.status.state).toBe('failed');
    expect(old.status.err).toContain('137');
    expect(old.desiredState).toBe('shutdown');
    expect(cluster.running(svc.id)).toHaveLength(3);
  });

  it('scales 15 -> 3 -> 0 -> 5 with no leftover containers', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('web', 15));
    await waitFor('15', () => cluster!.running(svc.id).length === 15);
    for (const n of [3, 0, 5]) {
      await cluster.control.scaleService('web', n);
      await waitFor(
        `${n} running`,
        () => cluster!.running(svc.id).length === n && cluster!.containers().length === n,
      );
    }
    await waitFor('reaped', () => cluster!.tasks(svc.id).length === 5);
    expect(new Set(cluster.running(svc.id).map((t) => t.slot)).size).toBe(5);
  });

  it('removes the non-running tasks first when scaling down', async () => {
    cluster = await TestCluster.start(1);
    const svc = await cluster.control.createService(spec('web', 2));
    await waitFor('2', () => cluster!.running(svc.id).length === 2);
    await cluster.store.update((tx) => {
      const n = tx.get('node', 'node0')!;
      tx.update('node', { ...n, spec: { ...n.spec, availability: 'pause' } });
    });
    await cluster.control.scaleService('web', 3);
    await waitFor('pending slot 3', () =>
      cluster!.tasks(svc.id).some((t) => t.slot === 3 && t.status.state === 'pending'),
    );
    const pending = cluster.tasks(svc.id).find((t) => t.slot === 3)!;
    expect(pending.status.message).toBe('no suitable node (1 node not available for new tasks)');
    expect(pending.status.err).toBe(pending.status.message); // what `service ps` shows
    await cluster.control.scaleService('web', 2);
    await waitFor(
      'pending removed',
      () => !cluster!.tasks(svc.id).some((t) => t.id === pending.id),
    );
    expect(
      cluster
        .running(svc.id)
        .map((t) => t.slot)
        .sort(),
    ).toEqual([1, 2]);
  });

  it('restart condition none leaves the slot finished; on-failure restarts only failures', async () => {
    cluster = await TestCluster.start(1);
    const none = await cluster.control.createService(
      spec('once', 1, { condition: 'none', delayMs: 0 }),
    );
    const onf = await cluster.control.createService(
      spec('onf', 2, { condition: 'on-failure', delayMs: 0 }),
    );
    await waitFor(
      'running',
      () => cluster!.running(none.id).length === 1 && cluster!.running(onf.id).length === 2,
    );
    const ex = cluster.nodes[0]!.executor;
    ex.exit(cluster.running(none.id)[0]!.id, 1);
    const [ok, bad] = cluster.running(onf.id).sort((a, b) => a.slot - b.slot);
    ex.exit(ok!.id, 0);
    ex.exit(bad!.id, 2);
    await waitFor('on-failure restart', () =>
      cluster!.running(onf.id).some((t) => t.slot === bad!.slot && t.id !== bad!.id),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(cluster.tasks(none.id)).toHaveLength(1);
    expect(cluster.running(onf.id).map((t) => t.slot)).toEqual([bad!.slot]);
    expect(cluster.tasks(onf.id).filter((t) => t.slot === ok!.slot)).toHaveLength(1);
    expect((await cluster.control.getService('once')).serviceStatus).toEqual({
      runningTasks: 0,
      desiredTasks: 1,
    });
  });

  it('stops restarting after max attempts', async () => {
    cluster = await TestCluster.start(1);
    const svc = await cluster.control.createService(
      spec('flaky', 1, { condition: 'any', delayMs: 0, maxAttempts: 2 }),
    );
    const ex = cluster.nodes[0]!.executor;
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await waitFor(`attempt ${i}`, () => cluster!.running(svc.id).some((t) => !seen.has(t.id)));
      const t = cluster.running(svc.id)[0]!;
      seen.add(t.id);
      ex.exit(t.id, 1);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(cluster.running(svc.id)).toHaveLength(0);
    expect(cluster.tasks(svc.id)).toHaveLength(3);
  });

  it('holds a restart for the restart delay', async () => {
    cluster = await TestCluster.start(1);
    const svc = await cluster.control.createService(spec('slow', 1, { delayMs: 300 }));
    await waitFor('running', () => cluster!.running(svc.id).length === 1);
    const first = cluster.running(svc.id)[0]!;
    const t0 = Date.now();
    cluster.nodes[0]!.executor.exit(first.id, 1);
    await waitFor('held replacement', () =>
      cluster!
        .tasks(svc.id)
        .some((t) => t.id !== first.id && t.desiredState === 'ready' && t.status.state === 'ready'),
    );
    await waitFor('restarted', () => cluster!.running(svc.id).length === 1, 3000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('keeps at most 5 tasks of history per slot', async () => {
    cluster = await TestCluster.start(1);
    const svc = await cluster.control.createService(spec('crashy', 1));
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await waitFor('a new task running', () =>
        cluster!.running(svc.id).some((t) => !seen.has(t.id)),
      );
      const t = cluster.running(svc.id)[0]!;
      seen.add(t.id);
      cluster.nodes[0]!.executor.exit(t.id, 1);
    }
    await waitFor('running again', () => cluster!.running(svc.id).some((t) => !seen.has(t.id)));
    await waitFor('history trimmed', () => cluster!.tasks(svc.id).length === 5);
    const ids = new Set(cluster.tasks(svc.id).map((t) => t.id));
    expect(
      [...cluster.nodes[0]!.executor.containers.values()].every((c) => ids.has(c.task.id)),
    ).toBe(true);
  });

  it('service rm stops and removes every container', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('gone', 6));
    await waitFor('6', () => cluster!.running(svc.id).length === 6);
    await cluster.control.removeService('gone');
    await waitFor('no tasks', () => cluster!.tasks(svc.id).length === 0);
    await waitFor('no containers', () =>
      cluster!.nodes.every((n) => n.executor.containers.size === 0),
    );
  });

  it('reschedules the tasks of a node that stops heartbeating', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('web', 4));
    await waitFor('4', () => cluster!.running(svc.id).length === 4);
    const dead = cluster.nodes[1]!;
    await dead.agent.stop();
    await waitFor(
      'node down',
      () => cluster!.store.view((tx) => tx.get('node', dead.id)?.status.state) === 'down',
      3000,
    );
    await waitFor(
      'all on node0',
      () =>
        cluster!.running(svc.id).length === 4 &&
        cluster!.running(svc.id).every((t) => t.nodeId === 'node0'),
      3000,
    );
  });

  it('a restarted agent adopts its containers: no duplicates, orphans removed', async () => {
    cluster = await TestCluster.start(1);
    const svc = await cluster.control.createService(spec('web', 3));
    await waitFor('3', () => cluster!.running(svc.id).length === 3);
    const node = cluster.nodes[0]!;
    await node.agent.stop();
    // A container left behind by a task the cluster no longer knows.
    const orphanTask = { ...cluster.running(svc.id)[0]!, id: 'orphan-task' };
    node.executor.create(orphanTask);
    node.agent = cluster.newAgent(node.id, node.executor);
    node.agent.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(node.executor.containers.size).toBe(3);
    expect(cluster.running(svc.id)).toHaveLength(3);
    expect(cluster.tasks(svc.id).filter((t) => !isTerminalState(t.status.state))).toHaveLength(3);
  });

  it('rejects a task whose image cannot be pulled, with the engine error', async () => {
    cluster = new TestCluster();
    await cluster.store.update((tx) => {
      tx.create('cluster', {
        spec: {
          name: 't',
          orchestration: { taskHistoryRetentionLimit: 5 },
          dispatcher: { heartbeatPeriodMs: 100 },
        },
      });
    });
    cluster.manager.start();
    const { FakeExecutor } = await import('@swarmlet/agent');
    await cluster.addNode(
      'n',
      new FakeExecutor({
        nodeId: 'n',
        missingImages: new Map([['nope', 'pull access denied for nope']]),
      }),
    );
    const svc = await cluster.control.createService({
      name: 'bad',
      replicas: 1,
      task: { container: { image: 'nope' }, restartPolicy: { delayMs: 5000 } },
    });
    await waitFor('rejected', () =>
      cluster!.tasks(svc.id).some((t) => t.status.state === 'rejected'),
    );
    const t = cluster.tasks(svc.id).find((x) => x.status.state === 'rejected')!;
    expect(t.status.err).toBe('pull access denied for nope');
  });
});

describe('service update on fake executors', () => {
  it('start-first: replaces every task with the new spec, one slot at a time, never dropping below replicas', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('web', 4));
    await waitFor('4', () => cluster!.running(svc.id).length === 4);
    const before = new Set(cluster.running(svc.id).map((t) => t.id));
    let minRunning = Infinity;
    const probe = setInterval(
      () => (minRunning = Math.min(minRunning, cluster!.running(svc.id).length)),
      1,
    );
    const current = await cluster.control.getService('web');
    await cluster.control.updateService('web', {
      version: current.meta.version,
      spec: {
        ...current.spec,
        updateConfig: { ...current.spec.updateConfig, order: 'start-first', monitorMs: 0 },
        task: {
          ...current.spec.task,
          container: { ...current.spec.task.container, image: 'busybox:2' },
        },
      },
    });
    await waitFor('updated', () => {
      const run = cluster!.running(svc.id);
      return (
        run.length === 4 &&
        run.every((t) => t.spec.container.image === 'busybox:2') &&
        cluster!.containers().length === 4
      );
    });
    clearInterval(probe);
    expect(minRunning).toBeGreaterThanOrEqual(4);
    expect(cluster.running(svc.id).some((t) => before.has(t.id))).toBe(false);
    expect(new Set(cluster.running(svc.id).map((t) => t.slot))).toEqual(new Set([1, 2, 3, 4]));
  });
});

describe('unavailable nodes on fake executors', () => {
  const onNode = (c: TestCluster, serviceId: string, nodeId: string): string[] =>
    c
      .running(serviceId)
      .filter((t) => t.nodeId === nodeId)
      .map((t) => t.id)
      .sort();
  const slots = (c: TestCluster, serviceId: string): number[] =>
    c
      .running(serviceId)
      .map((t) => t.slot)
      .sort((a, b) => a - b);

  it('moves the tasks of a node that lost its connection, and stops them when it comes back', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('web', 6));
    await waitFor('6 running', () => cluster!.running(svc.id).length === 6);
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const moved = onNode(cluster, svc.id, b.id);
    expect(moved).toHaveLength(3);

    const cutAt = Date.now();
    cluster.disconnect(b.id);
    await waitFor('B down', () => cluster!.node(b.id)?.status.state === 'down', 3000);
    // The grace is 3 heartbeat periods of 100 ms from the last heartbeat, sent at most 90 ms
    // before the cut.
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(200);
    expect(cluster.node(b.id)?.status.message).toBe('heartbeat failure');
    await waitFor('all 6 on A', () => onNode(cluster!, svc.id, a.id).length === 6, 3000);
    expect(slots(cluster, svc.id)).toEqual([1, 2, 3, 4, 5, 6]);
    // Cut off, B has not heard of the move: its containers still run.
    expect(
      b.executor
        .running()
        .map((c) => c.task.id)
        .sort(),
    ).toEqual(moved);

    cluster.reconnect(b.id);
    await waitFor('B ready', () => cluster!.node(b.id)?.status.state === 'ready', 5000);
    await waitFor('B stopped the moved tasks', () => b.executor.running().length === 0);
    await waitFor('moved tasks report shutdown', () =>
      cluster!
        .tasks(svc.id)
        .filter((t) => moved.includes(t.id))
        .every((t) => t.status.state === 'shutdown' && t.desiredState === 'shutdown'),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(onNode(cluster, svc.id, a.id)).toHaveLength(6);
    expect(slots(cluster, svc.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(cluster.containers()).toHaveLength(6);
  });

  it('drain moves every task off the node; back to active, it only takes new tasks', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('web', 4, { delayMs: 60_000 }));
    await waitFor('4 running', () => cluster!.running(svc.id).length === 4);
    const drained = await cluster.control.updateNode('node1', { availability: 'drain' });
    expect(drained.spec.availability).toBe('drain');
    await waitFor(
      'all on node0, node1 stopped',
      () =>
        onNode(cluster!, svc.id, 'node0').length === 4 &&
        cluster!.nodes[1]!.executor.running().length === 0,
    );
    // Moved at once despite the 60 s restart delay, and into the same slots.
    expect(slots(cluster, svc.id)).toEqual([1, 2, 3, 4]);
    expect(cluster.node('node1')?.status.state).toBe('ready');

    await cluster.control.updateNode('node1', { availability: 'active' });
    await new Promise((r) => setTimeout(r, 200));
    expect(onNode(cluster, svc.id, 'node0')).toHaveLength(4);
    await cluster.control.scaleService('web', 6);
    await waitFor('6 running', () => cluster!.running(svc.id).length === 6);
    expect(onNode(cluster, svc.id, 'node1')).toHaveLength(2);
  });

  it('pause keeps the node’s tasks but gives it no new ones', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('web', 2));
    await waitFor('2 running', () => cluster!.running(svc.id).length === 2);
    const kept = onNode(cluster, svc.id, 'node1');
    expect(kept).toHaveLength(1);
    await cluster.control.updateNode('node1', { availability: 'pause' });
    await cluster.control.scaleService('web', 4);
    await waitFor('4 running', () => cluster!.running(svc.id).length === 4);
    expect(onNode(cluster, svc.id, 'node1')).toEqual(kept);
    expect(onNode(cluster, svc.id, 'node0')).toHaveLength(3);
  });

  it('removing a node with force shuts its tasks down and refills their slots elsewhere', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('web', 4));
    await waitFor('4 running', () => cluster!.running(svc.id).length === 4);
    const err = await cluster.control.removeNode('node1').catch((e: unknown) => e);
    expect(isSwarmletError(err, 'FAILED_PRECONDITION')).toBe(true);
    await cluster.control.removeNode('node1', { force: true });
    await waitFor(
      'all on node0, node1 stopped',
      () =>
        onNode(cluster!, svc.id, 'node0').length === 4 &&
        cluster!.nodes[1]!.executor.running().length === 0,
    );
    expect(slots(cluster, svc.id)).toEqual([1, 2, 3, 4]);
    expect(cluster.node('node1')).toBeUndefined();
  });

  it('a new leader gives nodes the heartbeat grace and moves nothing meanwhile', async () => {
    cluster = await TestCluster.start(2);
    const svc = await cluster.control.createService(spec('web', 4));
    await waitFor('4 running', () => cluster!.running(svc.id).length === 4);
    const before = cluster.running(svc.id).map((t) => t.id);
    const stranded = onNode(cluster, svc.id, 'node1');
    cluster.disconnect('node1');
    await cluster.restartManager();
    await waitFor('node1 unknown', () => cluster!.node('node1')?.status.state === 'unknown');
    expect(cluster.node('node1')?.status.message).toBe(LEADER_CHANGE_MESSAGE);
    await waitFor('node0 back', () => cluster!.node('node0')?.status.state === 'ready');
    expect(cluster.running(svc.id).map((t) => t.id)).toEqual(before);
    await waitFor('node1 down', () => cluster!.node('node1')?.status.state === 'down', 3000);
    await waitFor('all on node0', () => onNode(cluster!, svc.id, 'node0').length === 4, 3000);
    expect(
      cluster.tasks(svc.id).filter((t) => stranded.includes(t.id) && t.desiredState === 'shutdown'),
    ).toHaveLength(2);
    cluster.reconnect('node1');
  });
});
