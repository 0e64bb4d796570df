import { httpGet } from './helpers/http.js';
import { execFile } from 'node:child_process';
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

/**
 * The data plane on one node and the real engine: overlay bridges at the allocated addresses,
 * service DNS behind Docker's embedded resolver, VIP balancing inside task namespaces, network
 * isolation, and the ingress listener. (Cross-node traffic and the kernel ingress path from
 * other hosts are covered by the compose suite, test/cluster/networking.test.ts.)
 */

const NODE_LABEL = 'io.swarmlet.node.id';
const SERVICE_LABEL = 'io.swarmlet.service.name';
const POOL = '10.231.0.0/16';
const PORT = 18431;
const PROXY_PORT = 18432;
const HOST_PORT = 18433;

let docker: Docker;
let d: DaemonProcess;
let nodeId = '';

async function containerOf(service: string): Promise<string> {
  const list = await docker.listContainers({
    filters: { label: [`${NODE_LABEL}=${nodeId}`, `${SERVICE_LABEL}=${service}`] },
  });
  const id = list[0]?.Id;
  if (!id) throw new Error(`no running container of ${service}`);
  return id;
}

/** Runs a command in a task's container; stdout, or the error text when it fails. */
async function inTask(service: string, cmd: string[]): Promise<string> {
  const id = await containerOf(service);
  return new Promise((resolve) =>
    execFile('docker', ['exec', id, ...cmd], { timeout: 10_000 }, (err, stdout, stderr) =>
      resolve(err ? `ERROR ${err.message} ${stdout} ${stderr}` : stdout),
    ),
  );
}

/** `nslookup NAME` from a task: the addresses answered (sorted), or 'NXDOMAIN'. */
async function lookup(service: string, name: string): Promise<string[] | 'NXDOMAIN'> {
  const out = await inTask(service, ['nslookup', name]);
  if (/NXDOMAIN|can't find/.test(out)) return 'NXDOMAIN';
  const answer = out.slice(out.indexOf(`Name:`));
  return [...answer.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).sort();
}

/** Which task answered: demo-web says `hello from web.<slot> (task <id>, ...)`. */
async function fetchFromTask(service: string, url: string): Promise<string> {
  return inTask(service, ['timeout', '3', 'wget', '-qO-', url]);
}

async function tasksOf(service: string): Promise<{ addr: string; id: string }[]> {
  const tasks = (await d.client.listTasks({ service })).filter((t) => t.status.state === 'running');
  return tasks.map((t) => ({ id: t.id, addr: (t.networks?.[0]?.addr ?? '').split('/')[0]! }));
}

async function cli(args: string[]): Promise<string> {
  const r = await d.cli(args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  await requireImage(docker, DEMO_IMAGE);
  await removeOverlays(docker, '10.231.');
  d = await DaemonProcess.create('swarmlet-net-', ['--drain-ms', '500']);
  await cli(['init', '--heartbeat-period', '1s', '--default-addr-pool', POOL]);
  nodeId = (await d.client.info()).nodeId;
  await cli(['network', 'create', 'back']);
  await cli([
    'service',
    'create',
    '--name',
    'web',
    '--replicas',
    '3',
    '-p',
    `${PORT}:80`,
    DEMO_IMAGE,
  ]);
  await cli([
    'service',
    'create',
    '--name',
    'rr',
    '--replicas',
    '2',
    '--endpoint-mode',
    'dnsrr',
    DEMO_IMAGE,
  ]);
  await cli(['service', 'create', '--name', 'hidden', '--network', 'back', DEMO_IMAGE]);
  await cli(['service', 'create', '--name', 'client', TEST_IMAGE, 'sleep', '3600']);
  await cli([
    'service',
    'create',
    '--name',
    'hostweb',
    '-p',
    `published=${HOST_PORT},target=80,mode=host`,
    DEMO_IMAGE,
  ]);
  await cli([
    'service',
    'create',
    '--name',
    'proxied',
    '-p',
    `published=${PROXY_PORT},target=7000,proxy-protocol=v2`,
    TEST_IMAGE,
    'sh',
    '-c',
    'nc -l -p 7000 > /tmp/got; sleep 3600',
  ]);
  await cli([
    'service',
    'create',
    '--name',
    'backclient',
    '--network',
    'back',
    TEST_IMAGE,
    'sleep',
    '3600',
  ]);
});

afterAll(async () => {
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  if (docker) await removeOverlays(docker, '10.231.');
});

describe('data plane on one node (real engine)', () => {
  it('gives every task its allocated address on a bridge of the overlay subnet', async () => {
    const tasks = await tasksOf('web');
    expect(tasks).toHaveLength(3);
    for (const t of tasks) {
      const info = await docker.getContainer(await containerIdOfTask(t.id)).inspect();
      const nets = Object.values(info.NetworkSettings.Networks);
      expect(nets.map((n) => n.IPAddress)).toEqual([t.addr]);
      expect(t.addr.startsWith('10.231.')).toBe(true);
    }
  });

  it('answers <service> with the VIP, tasks.<service> and dnsrr names with task addresses', async () => {
    const web = await d.client.getService('web');
    const vip = web.endpoint?.vips[0]?.addr.split('/')[0];
    expect(await lookup('client', 'web')).toEqual([vip]);
    const webTasks = (await tasksOf('web')).map((t) => t.addr).sort();
    expect(await lookup('client', 'tasks.web')).toEqual(webTasks);
    const rrTasks = (await tasksOf('rr')).map((t) => t.addr).sort();
    expect(rrTasks).toHaveLength(2);
    expect(await lookup('client', 'rr')).toEqual(rrTasks);
    expect(await lookup('client', 'tasks.rr')).toEqual(rrTasks);
    expect(await lookup('client', 'no-such-service')).toBe('NXDOMAIN');
  });

  it('balances connections to a VIP round robin over the tasks', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await fetchFromTask('client', 'http://web/')).trim());
    const slots = seen.map((s) => /hello from web\.(\d)/.exec(s)?.[1] ?? s);
    // Exact rotation: each of the 3 tasks twice, in a repeating order.
    expect(new Set(slots.slice(0, 3)).size).toBe(3);
    expect(slots.slice(3)).toEqual(slots.slice(0, 3));
  });

  it('keeps networks apart: names and tasks of another network are out of reach', async () => {
    expect(await lookup('client', 'hidden')).toBe('NXDOMAIN');
    expect(await lookup('backclient', 'hidden')).toHaveLength(1);
    expect(await lookup('backclient', 'web')).toBe('NXDOMAIN');
    const [hidden] = await tasksOf('hidden');
    expect(await fetchFromTask('backclient', `http://${hidden!.addr}/`)).toMatch(
      /hello from hidden/,
    );
    expect(await fetchFromTask('client', `http://${hidden!.addr}/`)).toMatch(/^ERROR/);
  });

  it('serves the published port on the node, round robin over every task', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const body = await httpGet('127.0.0.1', PORT);
      const slot = /hello from web\.(\d)/.exec(body)?.[1] ?? 'bad';
      counts.set(slot, (counts.get(slot) ?? 0) + 1);
    }
    expect([...counts].sort()).toEqual([
      ['1', 10],
      ['2', 10],
      ['3', 10],
    ]);
  });

  it('binds a host-mode port on the node of the task, through the engine', async () => {
    expect(await httpGet('127.0.0.1', HOST_PORT)).toMatch(/hello from hostweb\.1/);
    const info = await docker.getContainer(await containerOf('hostweb')).inspect();
    expect(info.HostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '', HostPort: `${HOST_PORT}` }],
    });
  });

  it('sends a PROXY v2 header with the client address on a proxy-protocol port', async () => {
    const { connect } = await import('node:net');
    await new Promise<void>((resolve, reject) => {
      const c = connect(PROXY_PORT, '127.0.0.1', () => c.end('hello\n'));
      c.on('close', () => resolve());
      c.on('error', reject);
    });
    const got = await waitUntil(
      async () => {
        const out = await inTask('proxied', ['cat', '/tmp/got']);
        return out.includes('hello') ? out : undefined;
      },
      { message: 'the task to receive the connection' },
    );
    // The v2 signature, then (after the binary addresses) the client's bytes.
    expect(got.startsWith('\r\n\r\n\0\r\nQUIT\n')).toBe(true);
    expect(got.endsWith('hello\n')).toBe(true);
  });

  it('drops no request while scaling 3 -> 1 under a steady load, and DNS follows within 1 s', async () => {
    let ok = 0;
    const failures: string[] = [];
    let stop = false;
    const load = (async () => {
      const end = Date.now() + 30_000;
      while (!stop && Date.now() < end) {
        try {
          const body = await httpGet('127.0.0.1', PORT);
          if (body.includes('hello from web')) ok++;
          else failures.push(body);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    await cli(['service', 'scale', 'web=1']);
    await waitUntil(async () => (await tasksOf('web')).length === 1, { message: 'web at 1 task' });
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
    const left = (await tasksOf('web')).map((t) => t.addr);
    expect(await lookup('client', 'tasks.web')).toEqual(left);
  });
});

async function containerIdOfTask(taskId: string): Promise<string> {
  const list = await docker.listContainers({
    filters: { label: [`io.swarmlet.task.id=${taskId}`] },
  });
  if (!list[0]) throw new Error(`no container for task ${taskId}`);
  return list[0].Id;
}
