import { httpGet } from '../integration/helpers/http.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service, Task } from '@swarmlet/api-types';
import { DEMO_IMAGE, NODE_ADDRS, swarmlet, waitFor } from './helpers/compose.js';
import {
  ensureCluster,
  inspectService,
  listServices,
  listTasks,
  removeService,
  running,
  waitRunning,
  type ClusterState,
} from './helpers/swarm.js';

// Issue 7's key test on the 5-node cluster: a rolling update (start-first, one task at a time,
// health-checked) of a web service under steady HTTP load through the ingress drops no request;
// an update whose health check never passes rolls back on its own, the old tasks serving on.

const WEB = 'orch-roll';
const PORT = 18610;
const REPLICAS = 4;
const HEALTH = 'timeout 2 wget -q -O /dev/null http://127.0.0.1/health';
let cluster: ClusterState;

const envOf = (t: Task): string[] => t.spec.container.env ?? [];
const taskOf = (body: string): string => /\(task (\w+),/.exec(body)?.[1] ?? `bad: ${body}`;

/** Waits (bounded) until the service's update status is `state`; returns the service. */
function waitUpdateState(state: string, timeoutMs = 90_000): Promise<Service> {
  let last = '';
  return waitFor(
    async () => {
      const svc = await inspectService(WEB);
      last = `${svc.updateStatus?.state}: ${svc.updateStatus?.message}`;
      return svc.updateStatus?.state === state && svc;
    },
    { timeoutMs, intervalMs: 500, message: `update state ${state}` },
  ).catch((err: Error) => {
    throw new Error(`${err.message} (last: ${last})`);
  });
}

interface Load {
  /** Ends the loop and resolves with its counts. */
  stop(): Promise<{ ok: number; failures: string[]; tasks: string[] }>;
}

/**
 * Sequential GETs of the published port through w1 (a fresh connection each), until stopped,
 * at most `max` requests or `maxMs`. Records every failure and the task that answered each one.
 */
function startLoad(max = 20_000, maxMs = 120_000): Load {
  let stopped = false;
  let ok = 0;
  const failures: string[] = [];
  const tasks: string[] = [];
  const done = (async () => {
    const end = Date.now() + maxMs;
    for (let i = 0; i < max && !stopped && Date.now() < end; i++) {
      try {
        const body = await httpGet(NODE_ADDRS.w1, PORT);
        if (!body.includes('hello from')) throw new Error(`unexpected body: ${body}`);
        ok++;
        tasks.push(taskOf(body));
      } catch (err) {
        failures.push(`#${i} at ${new Date().toISOString()}: ${(err as Error).message}`);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return { ok, failures, tasks };
    },
  };
}

/** With failed requests, prints every task's state and its time, to match them against. */
async function showTasksOnFailure(failures: readonly string[]): Promise<void> {
  if (failures.length === 0) return;
  const lines = (await listTasks(WEB)).map(
    (t) =>
      `${t.id} slot ${t.slot} ${envOf(t).join(',')} desired ${t.desiredState} ` +
      `${t.status.state} at ${t.status.timestamp} ${t.status.err}`,
  );
  console.log(`rolling: failed requests: ${failures.join('; ')}\n${lines.join('\n')}`);
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  cluster = await ensureCluster();
  const t0 = Date.now();
  await swarmlet(
    cluster.leader,
    'service',
    'create',
    '--detach',
    '--name',
    WEB,
    '--replicas',
    String(REPLICAS),
    '-p',
    `${PORT}:80`,
    '--env',
    'V=1',
    '--health-cmd',
    HEALTH,
    '--health-interval',
    '1s',
    '--health-timeout',
    '3s',
    '--health-retries',
    '2',
    '--update-order',
    'start-first',
    '--update-parallelism',
    '1',
    '--update-monitor',
    '2s',
    '--update-failure-action',
    'rollback',
    '--rollback-monitor',
    '2s',
    DEMO_IMAGE,
  );
  await waitRunning(WEB, REPLICAS, { timeoutMs: 90_000 });
  console.log(`rolling: ${REPLICAS} healthy replicas running ${Date.now() - t0} ms after create`);
});

afterAll(async () => {
  await removeService(WEB).catch(() => undefined);
});

describe('rolling update of a health-checked web service under load', () => {
  it('start-first, one at a time: no failed request, every task on the new spec, completed', async () => {
    const before = await waitRunning(WEB, REPLICAS);
    const load = startLoad();
    await pause(1000);
    const t0 = Date.now();
    await swarmlet(cluster.leader, 'service', 'update', '-d', '--env-add', 'V=2', WEB);
    const svc = await waitUpdateState('completed');
    const rolled = Date.now() - t0;
    const after = await waitRunning(WEB, REPLICAS, { where: (t) => envOf(t).includes('V=2') });
    await pause(2000);
    const { ok, failures, tasks } = await load.stop();
    console.log(
      `rolling: update completed in ${rolled} ms; ${ok} requests answered, ${failures.length} failed`,
    );

    await showTasksOnFailure(failures);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    expect(svc.updateStatus?.message).toBe('update completed');
    expect(svc.spec.task.container.env).toContain('V=2');
    expect(svc.previousSpec?.task.container.env).toContain('V=1');
    // Every slot got a new task; the old ones are shut down, their containers gone.
    const oldIds = new Set(before.map((t) => t.id));
    expect(after.filter((t) => oldIds.has(t.id))).toEqual([]);
    expect(new Set(after.map((t) => t.slot))).toEqual(new Set([1, 2, 3, 4]));
    const all = await listTasks(WEB);
    for (const t of all.filter((x) => oldIds.has(x.id))) expect(t.desiredState).toBe('shutdown');
    // The load saw old tasks first, new ones at the end, and only tasks of the service.
    const known = new Set(all.map((t) => t.id));
    expect(tasks.filter((id) => !known.has(id))).toEqual([]);
    expect(oldIds.has(tasks[0]!)).toBe(true);
    const newIds = new Set(after.map((t) => t.id));
    expect(tasks.slice(-20).every((id) => newIds.has(id))).toBe(true);
    const ls = (await listServices()).find((s) => s.spec.name === WEB);
    expect(ls?.updateStatus?.state).toBe('completed');
  });

  it('an update whose health check never passes rolls back by itself; the old tasks serve on', async () => {
    const before = await waitRunning(WEB, REPLICAS);
    const load = startLoad();
    await pause(1000);
    const t0 = Date.now();
    await swarmlet(cluster.leader, 'service', 'update', '-d', '--health-cmd', 'exit 1', WEB);
    const svc = await waitUpdateState('rollback_completed');
    const back = Date.now() - t0;
    const { ok, failures } = await load.stop();
    console.log(
      `rolling: bad update rolled back in ${back} ms (${svc.updateStatus?.message}); ` +
        `${ok} requests answered, ${failures.length} failed`,
    );

    expect(svc.updateStatus?.message).toMatch(
      /^update rolled back due to failure .*container unhealthy.*; rollback completed$/,
    );
    expect(svc.spec.task.container.healthcheck?.test).toEqual(['CMD-SHELL', HEALTH]);
    expect(svc.spec.task.container.env).toContain('V=2');
    expect(svc.previousSpec?.task.container.healthcheck?.test).toEqual(['CMD-SHELL', 'exit 1']);
    // start-first: the old tasks never stopped, and they are the ones running now.
    const after = running(await listTasks(WEB));
    expect(after.map((t) => t.id).sort()).toEqual(before.map((t) => t.id).sort());
    // The failed attempt was a task of the new spec that never became RUNNING.
    const tried = (await listTasks(WEB)).filter(
      (t) => t.spec.container.healthcheck?.test[1] === 'exit 1',
    );
    expect(tried.map((t) => t.status.state)).toContain('failed');
    expect(tried.filter((t) => t.status.state === 'running')).toEqual([]);
    await showTasksOnFailure(failures);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
  });
});
