import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from './helpers/daemon.js';
import {
  DEMO_IMAGE,
  TEST_IMAGE,
  dockerClient,
  removeContainersByLabel,
  removeOverlays,
  requireImage,
  waitUntil,
} from './helpers/docker.js';

const NODE_LABEL = 'io.swarmlet.node.id';
const POOL = '10.232.0.0/16';
const SERVICE_LABEL = 'io.swarmlet.service.name';

let docker: Docker;
let d: DaemonProcess;
let nodeId = '';

/** Containers of one service on this test's node: `running` only, or all states. */
async function containers(service: string, all = false): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all,
    filters: { label: [`${NODE_LABEL}=${nodeId}`, `${SERVICE_LABEL}=${service}`] },
  });
}

async function runningCount(service: string): Promise<number> {
  return (await containers(service)).length;
}

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  await requireImage(docker, DEMO_IMAGE);
  d = await DaemonProcess.create();
  // A pool of its own, so the overlays never collide with a quick-start cluster on this engine.
  const init = await d.cli(['init', '--heartbeat-period', '1s', '--default-addr-pool', POOL]);
  expect(init.code, init.stderr).toBe(0);
  nodeId = (await d.client.info()).nodeId;
});

afterAll(async () => {
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  if (docker) for (const p of ['10.232.', '10.77.']) await removeOverlays(docker, p);
});

describe('single node on the real Docker engine', () => {
  it('serves the API on a unix socket only root can use (mode 0600)', async () => {
    const { mode } = await stat(d.socket);
    expect(mode & 0o777).toBe(0o600);
  });

  it('service create --replicas 15 reaches 15 running containers, named <service>.<slot>.<task>', async () => {
    const r = await d.cli([
      'service',
      'create',
      '--name',
      'web',
      '--replicas',
      '15',
      '--restart-delay',
      '100ms',
      '-e',
      'GREETING=hi',
      '--label',
      'team=a',
      DEMO_IMAGE,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('verify: Service converged');
    const list = await containers('web');
    expect(list).toHaveLength(15);
    const slots = list
      .map((c) => c.Names[0]!.split('.')[1])
      .map(Number)
      .sort((a, b) => a - b);
    expect(slots).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    const inspect = await docker.getContainer(list[0]!.Id).inspect();
    expect(inspect.Config.Env).toContain('GREETING=hi');
    expect(inspect.Config.Labels['io.swarmlet.task.id']).toBeTruthy();
    const ls = await d.cli(['service', 'ls']);
    expect(ls.stdout).toMatch(/web\s+replicated\s+15\/15\s+swarmlet\/demo-web/);
  });

  it('replaces a container killed with docker kill in the same slot', async () => {
    const victim = (await containers('web')).find((c) => c.Names[0]!.startsWith('/web.7.'))!;
    await docker.getContainer(victim.Id).kill();
    const replacement = await waitUntil(
      async () =>
        (await containers('web')).find(
          (c) => c.Names[0]!.startsWith('/web.7.') && c.Id !== victim.Id,
        ),
      { timeoutMs: 20_000, message: 'a new container in slot 7' },
    );
    expect(replacement.State).toBe('running');
    await waitUntil(async () => (await runningCount('web')) === 15, {
      timeoutMs: 20_000,
      message: '15 running again',
    });
    const ps = await d.cli(['service', 'ps', 'web']);
    expect(ps.stdout).toMatch(/\\_ web\.7 .*Failed.*non-zero exit \(137\)/);
  });

  it('scales 15 -> 3 -> 0 -> 5', async () => {
    for (const n of [3, 0, 5]) {
      const r = await d.cli(['service', 'scale', `web=${n}`]);
      expect(r.code, r.stderr).toBe(0);
      await waitUntil(async () => (await runningCount('web')) === n, {
        timeoutMs: 30_000,
        message: `${n} running`,
      });
      const svc = await d.client.getService('web');
      expect(svc.serviceStatus).toEqual({ runningTasks: n, desiredTasks: n });
    }
  });

  it('adopts running containers after SIGKILL of the daemon: no duplicates, no orphans', async () => {
    const before = (await containers('web')).map((c) => c.Id).sort();
    expect(before).toHaveLength(5);
    await d.restart('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    const after = (await containers('web')).map((c) => c.Id).sort();
    expect(after).toEqual(before);
    const tasks = await d.client.listTasks({ service: 'web', desiredState: 'running' });
    expect(tasks.filter((t) => t.status.state === 'running')).toHaveLength(5);
  });

  it('removes containers of tasks that vanished while the daemon was down', async () => {
    const orphan = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sleep', '300'],
      name: `web.99.orphan${Date.now()}`,
      Labels: {
        'io.swarmlet.task.id': 'no-such-task',
        [NODE_LABEL]: nodeId,
        [SERVICE_LABEL]: 'web',
      },
    });
    await orphan.start();
    await d.restart('SIGKILL');
    await waitUntil(async () => (await containers('web', true)).every((c) => c.Id !== orphan.id), {
      timeoutMs: 15_000,
      message: 'orphan removed',
    });
    expect(await runningCount('web')).toBe(5);
  });

  it('SIGTERM stops the daemon cleanly and leaves containers running', async () => {
    const ms = await d.kill('SIGTERM');
    expect(d.child!.exitCode).toBe(0);
    expect(ms).toBeLessThan(5_000);
    expect(await runningCount('web')).toBe(5);
    await d.start();
    await waitUntil(
      async () => (await d.client.getService('web')).serviceStatus.runningTasks === 5,
      { timeoutMs: 10_000 },
    );
  });

  it('service rm leaves no container', async () => {
    const r = await d.cli(['service', 'rm', 'web']);
    expect(r.code, r.stderr).toBe(0);
    await waitUntil(async () => (await containers('web', true)).length === 0, {
      timeoutMs: 30_000,
      message: 'no containers',
    });
    await waitUntil(
      async () => (await d.client.listTasks({})).every((t) => t.serviceName !== 'web'),
      { timeoutMs: 10_000 },
    );
  });

  it('rejects a task whose image cannot be pulled, with the engine error in service ps', async () => {
    const r = await d.cli([
      'service',
      'create',
      '--name',
      'nopull',
      '--detach',
      '--restart-delay',
      '10s',
      '127.0.0.1:1/swarmlet/none:1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const task = await waitUntil(
      async () =>
        (await d.client.listTasks({ service: 'nopull' })).find(
          (t) => t.status.state === 'rejected',
        ),
      { timeoutMs: 30_000, message: 'a rejected task' },
    );
    expect(task.status.err).toMatch(/127\.0\.0\.1:1/);
    const ps = await d.cli(['service', 'ps', 'nopull']);
    expect(ps.stdout).toMatch(/Rejected/);
    await d.cli(['service', 'rm', 'nopull']);
  });

  it('refuses bad input with a clear message and leaves state intact', async () => {
    const good = await d.cli([
      'service',
      'create',
      '--name',
      'keep',
      '--replicas',
      '1',
      '--detach',
      TEST_IMAGE,
      'sleep',
      '3600',
    ]);
    expect(good.code, good.stderr).toBe(0);
    const versionBefore = (await d.client.getService('keep')).meta.version;
    const cases: [string[], RegExp][] = [
      [['service', 'create', '--name', 'x', '--replicas', '-1', TEST_IMAGE], /replicas/i],
      [['service', 'create', '--name', 'x', '--bogus-flag', TEST_IMAGE], /bogus-flag/],
      [['service', 'create', '--name', 'x', '--restart-delay', '5x', TEST_IMAGE], /restart-delay/],
      [['service', 'create', '--name', 'x', '--limit-memory', 'lots', TEST_IMAGE], /limit-memory/],
      [['service', 'create', '--name', 'bad name!', TEST_IMAGE], /name/],
      [['service', 'create', '--name', 'keep', TEST_IMAGE], /already exists/],
      [['service', 'scale', 'nosuch=3'], /not found/],
      [['service', 'scale', 'keep=many'], /keep=many|invalid/i],
      [['service', 'rm', 'nosuch'], /not found/],
      [['service', 'inspect', 'nosuch'], /not found/],
      [['node', 'inspect', 'nosuch'], /not found/],
      [['init'], /already/],
    ];
    for (const [args, msg] of cases) {
      const r = await d.cli(args);
      expect(r.code, `swarmlet ${args.join(' ')}`).not.toBe(0);
      expect(r.stderr, `swarmlet ${args.join(' ')}`).toMatch(msg);
    }
    const services = (await d.client.listServices()).map((s) => s.spec.name);
    expect(services).toEqual(['keep']);
    expect((await d.client.getService('keep')).meta.version).toBe(versionBefore);
    await d.cli(['service', 'rm', 'keep']);
  });

  it('service update --env-add replaces every container with one carrying the new spec', async () => {
    const c = await d.cli([
      'service',
      'create',
      '--name',
      'upd',
      '--replicas',
      '3',
      '--restart-delay',
      '100ms',
      '--stop-grace-period',
      '1s',
      TEST_IMAGE,
      'sleep',
      '3600',
    ]);
    expect(c.code, c.stderr).toBe(0);
    const before = new Set((await containers('upd')).map((x) => x.Id));
    const u = await d.cli(['service', 'update', '--env-add', 'RELEASE=2', 'upd']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain('verify: Service converged');
    const after = await waitUntil(
      async () => {
        const list = await containers('upd');
        return list.length === 3 && list.every((x) => !before.has(x.Id)) ? list : undefined;
      },
      { timeoutMs: 30_000, message: 'three new containers' },
    );
    for (const x of after) {
      expect((await docker.getContainer(x.Id).inspect()).Config.Env).toContain('RELEASE=2');
    }
    await d.cli(['service', 'rm', 'upd']);
    await waitUntil(async () => (await containers('upd', true)).length === 0, {
      timeoutMs: 30_000,
      message: 'upd removed',
    });
  });

  it('loses no acknowledged API write when the daemon is SIGKILLed mid-stream', async () => {
    const acked: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await d.client.createService({
            name: `w${i}`,
            replicas: 0,
            task: { container: { image: TEST_IMAGE } },
          });
          acked.push(`w${i}`);
        } catch {
          return;
        }
      }
    })();
    await waitUntil(() => acked.length >= 15, {
      timeoutMs: 20_000,
      message: '15 acknowledged creates',
    });
    await d.kill('SIGKILL');
    stop = true;
    await writer;
    await d.start();
    const names = new Set((await d.client.listServices()).map((s) => s.spec.name));
    expect(acked.filter((n) => !names.has(n))).toEqual([]);
    for (const n of names) if (/^w\d+$/.test(n)) await d.client.removeService(n);
  });

  it('networks: subnets, a VIP per network and an address per task; rm refused while in use', async () => {
    const created = await d.cli(['network', 'create', '--subnet', '10.77.0.0/24', 'it-back']);
    expect(created.code, created.stderr).toBe(0);
    const clash = await d.cli(['network', 'create', '--subnet', '10.77.0.128/25', 'it-clash']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('overlaps network it-back');
    const svc = await d.client.createService({
      name: 'it-net',
      replicas: 3,
      task: { container: { image: DEMO_IMAGE } },
      networks: ['it-back'],
    });
    const vip = svc.endpoint?.vips[0]?.addr ?? '';
    expect(vip).toMatch(/^10\.77\.0\.\d+\/24$/);
    await waitUntil(
      async () =>
        (await d.client.listTasks({ service: 'it-net' })).filter((t) => t.networks?.length)
          .length === 3,
      { timeoutMs: 20_000, message: 'addresses for 3 tasks' },
    );
    const addrs = (await d.client.listTasks({ service: 'it-net' })).map(
      (t) => t.networks?.[0]?.addr,
    );
    // Tasks, the VIP and the node's own address on the network (its bridge) are all distinct.
    const nodeAddr = (await d.client.getNode(nodeId)).networks?.find(
      (n) => n.networkId === created.stdout.trim() || n.addr.startsWith('10.77.'),
    )?.addr;
    expect(nodeAddr).toMatch(/^10\.77\.0\.\d+\/24$/);
    expect(new Set([...addrs, vip, nodeAddr]).size).toBe(5);
    for (const a of addrs) expect(a).toMatch(/^10\.77\.0\.\d+\/24$/);
    const rm = await d.cli(['network', 'rm', 'it-back']);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toContain('in use by service it-net');
    await d.client.removeService('it-net');
    expect((await d.cli(['network', 'rm', 'it-back'])).code).toBe(0);
  });

  it('--host reaches the API over loopback TCP when the daemon listens with --tcp', async () => {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    d.extraArgs = ['--tcp', `127.0.0.1:${port}`];
    try {
      await d.restart('SIGTERM');
      const r = await d.cli(['--host', `http://127.0.0.1:${port}`, 'node', 'ls']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Ready\s+Active\s+Leader/);
    } finally {
      d.extraArgs = [];
    }
  });

  it('the CLI reaches the cluster port over HTTPS with a token and the cluster CA, and nothing less', async () => {
    const host = ['--host', 'https://127.0.0.1:4242'];
    const ca = join(d.dataDir, 'certs', 'ca.crt');
    const created = await d.cli(['token', 'create', 'it-remote']);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    const ok = await d.cli([...host, '--token', token, '--tlscacert', ca, 'node', 'ls']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Ready\s+Active\s+Leader/);
    const noToken = await d.cli([...host, '--tlscacert', ca, 'node', 'ls']);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/authentication required/);
    const noCa = await d.cli([...host, '--token', token, 'node', 'ls']);
    expect(noCa.code).toBe(1);
    expect(noCa.stderr).toMatch(/--tlscacert/);
    expect((await d.cli(['token', 'rm', 'it-remote'])).code).toBe(0);
    const revoked = await d.cli([...host, '--token', token, '--tlscacert', ca, 'node', 'ls']);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/invalid or revoked/);
  });
});
