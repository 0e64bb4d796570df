import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, DaemonProcess } from './helpers/daemon.js';
import {
  DEMO_IMAGE,
  TEST_IMAGE,
  dockerClient,
  removeContainersByLabel,
  removeOverlays,
  requireImage,
  waitUntil,
} from './helpers/docker.js';
import { httpGet } from './helpers/http.js';

/**
 * `swarmlet stack` on one node with the real engine: a compose file with .env interpolation,
 * replicated services, a published port, networks, a secret and a config; a redeploy of the same
 * files touches nothing, a changed variable rolls only its service, --prune and stack rm.
 */

const NODE_LABEL = 'io.swarmlet.node.id';
const SERVICE_LABEL = 'io.swarmlet.service.name';
const NS = 'com.docker.stack.namespace';
const POOL = '10.247.0.0/16';
const PORT = 18471;

const COMPOSE = `
services:
  web:
    image: \${WEB_IMAGE}
    environment:
      - GREETING=\${GREETING:-from-default}
    ports: ["\${WEB_PORT}:80"]
    networks: [front]
    secrets: [db_pw]
    configs:
      - source: app_conf
        target: /etc/app.conf
    deploy:
      replicas: 2
      restart_policy: { delay: 100ms }
WORKER
networks:
  front: {}
secrets:
  db_pw: { file: ./db_pw.txt }
configs:
  app_conf: { file: ./app.conf }
`;
const WORKER = `  worker:
    image: ${TEST_IMAGE}
    command: ["sleep", "3600"]
    stop_grace_period: 1s`;

let docker: Docker;
let d: DaemonProcess;
let dir = '';
let nodeId = '';

/** The CLI against the test daemon, with extra environment variables. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv = { ...process.env, ...env };
    delete childEnv['SWARMLET_HOST'];
    execFile(
      process.execPath,
      [CLI_BIN, '--socket', d.socket, ...args],
      { timeout: 60_000, env: childEnv },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const deploy = (file: string, env: Record<string, string> = {}, ...flags: string[]) =>
  cli(['stack', 'deploy', '-c', join(dir, file), ...flags, 'app'], env);

async function containers(service: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    filters: { label: [`${NODE_LABEL}=${nodeId}`, `${SERVICE_LABEL}=${service}`] },
  });
}

/** Ids of the service's running tasks once exactly `n` run (and as many containers). */
async function runningTasks(service: string, n: number): Promise<string[]> {
  return waitUntil(
    async () => {
      const tasks = (await d.client.listTasks({ service })).filter(
        (t) => t.desiredState === 'running' && t.status.state === 'running',
      );
      return tasks.length === n && (await containers(service)).length === n
        ? tasks.map((t) => t.id).sort()
        : undefined;
    },
    { timeoutMs: 45_000, message: `${n} running tasks of ${service}` },
  );
}

async function exec(container: string, ...cmd: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile('docker', ['exec', container, ...cmd], (_e, out, err) => resolve(out + err)),
  );
}

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  await requireImage(docker, DEMO_IMAGE);
  await removeOverlays(docker, '10.247.');
  d = await DaemonProcess.create('swarmlet-stack-', ['--drain-ms', '0']);
  nodeId = await d.initCluster(POOL);
  dir = await mkdtemp(join(tmpdir(), 'swarmlet-stack-it-'));
  await writeFile(join(dir, 'compose.yml'), COMPOSE.replace('WORKER', WORKER));
  await writeFile(join(dir, 'web-only.yml'), COMPOSE.replace('WORKER', ''));
  await writeFile(
    join(dir, '.env'),
    `WEB_IMAGE=${DEMO_IMAGE}\nWEB_PORT=${PORT}\nGREETING=from-dotenv\n`,
  );
  await writeFile(join(dir, 'db_pw.txt'), 'stack-secret');
  await writeFile(join(dir, 'app.conf'), 'level=1\n');
});

afterAll(async () => {
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  if (docker) await removeOverlays(docker, '10.247.');
  if (dir) await rm(dir, { recursive: true, force: true });
  if (nodeId) await rm(join('/run/swarmlet/tasks', nodeId), { recursive: true, force: true });
});

describe('swarmlet stack on one node (real engine)', () => {
  let webTasks: string[] = [];
  let workerTasks: string[] = [];

  it('deploys the stack: objects named and labelled like Docker, tasks running', async () => {
    const r = await deploy('compose.yml');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'Creating network app_default',
      'Creating network app_front',
      'Creating secret app_db_pw',
      'Creating config app_app_conf',
      'Creating service app_web',
      'Creating service app_worker',
    ]);
    const services = await d.client.listServices();
    expect(
      services
        .map((s) => [s.spec.name, s.spec.labels[NS], s.spec.labels['com.docker.stack.image']])
        .sort(),
    ).toEqual([
      ['app_web', 'app', DEMO_IMAGE],
      ['app_worker', 'app', TEST_IMAGE],
    ]);
    const networks = (await d.client.listNetworks()).filter((n) => n.spec.labels[NS] === 'app');
    expect(networks.map((n) => n.spec.name).sort()).toEqual(['app_default', 'app_front']);
    expect((await d.client.getSecret('app_db_pw')).spec.labels[NS]).toBe('app');
    expect((await d.client.getConfig('app_app_conf')).spec.labels[NS]).toBe('app');
    webTasks = await runningTasks('app_web', 2);
    workerTasks = await runningTasks('app_worker', 1);
    const [web] = await containers('app_web');
    expect((await docker.getContainer(web!.Id).inspect()).Config.Env).toContain(
      'GREETING=from-dotenv',
    );
    expect(await exec(web!.Id, 'cat', '/run/secrets/db_pw')).toBe('stack-secret');
    expect(await exec(web!.Id, 'cat', '/etc/app.conf')).toBe('level=1\n');
    const body = await waitUntil(async () => httpGet('127.0.0.1', PORT), {
      timeoutMs: 20_000,
      message: 'the published port',
    });
    expect(body).toMatch(/hello from app_web\.[12]/);
    const ls = await cli(['stack', 'ls']);
    expect(ls.stdout).toMatch(/\napp\s+2\n/);
    const ps = await cli(['stack', 'ps', 'app']);
    expect(ps.stdout.match(/app_(web|worker)\.\d/g)?.sort()).toEqual([
      'app_web.1',
      'app_web.2',
      'app_worker.1',
    ]);
  });

  it('a redeploy of the same files changes nothing', async () => {
    const before = (await d.client.listServices())
      .map((s) => `${s.spec.name}@${s.meta.version}`)
      .sort();
    const r = await deploy('compose.yml');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Stack app is up to date (2 services unchanged)');
    expect(
      (await d.client.listServices()).map((s) => `${s.spec.name}@${s.meta.version}`).sort(),
    ).toEqual(before);
    expect(await runningTasks('app_web', 2)).toEqual(webTasks);
  });

  it('a changed variable updates only its service, whose tasks are replaced', async () => {
    const worker = await d.client.getService('app_worker');
    const r = await deploy('compose.yml', { GREETING: 'from-env' });
    expect(r.code, r.stderr).toBe(0);
    const web = await d.client.getService('app_web');
    expect(r.stdout).toBe(`Updating service app_web (id: ${web.id})\n`);
    const replaced = await waitUntil(
      async () => {
        const ids = await runningTasks('app_web', 2);
        return ids.every((id) => !webTasks.includes(id)) ? ids : undefined;
      },
      { timeoutMs: 60_000, message: 'both web tasks replaced' },
    );
    expect(replaced).toHaveLength(2);
    const [c] = await containers('app_web');
    expect((await docker.getContainer(c!.Id).inspect()).Config.Env).toContain('GREETING=from-env');
    expect((await d.client.getService('app_worker')).meta.version).toBe(worker.meta.version);
    expect(await runningTasks('app_worker', 1)).toEqual(workerTasks);
  });

  it('--prune removes the services the files no longer have', async () => {
    const without = await deploy('web-only.yml', { GREETING: 'from-env' });
    expect(without.stdout).toBe('');
    expect((await d.client.listServices()).map((s) => s.spec.name).sort()).toEqual([
      'app_web',
      'app_worker',
    ]);
    const pruned = await deploy('web-only.yml', { GREETING: 'from-env' }, '--prune');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toBe('Removing service app_worker\n');
    expect((await d.client.listServices()).map((s) => s.spec.name)).toEqual(['app_web']);
    await waitUntil(async () => (await containers('app_worker')).length === 0, {
      timeoutMs: 30_000,
      message: 'worker containers gone',
    });
  });

  it('stack rm removes its services, networks, secrets and configs', async () => {
    const r = await cli(['stack', 'rm', 'app']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'Removing service app_web',
      'Removing secret app_db_pw',
      'Removing config app_app_conf',
      'Removing network app_default',
      'Removing network app_front',
    ]);
    const labelled = <T extends { spec: { labels: Record<string, string> } }>(xs: T[]) =>
      xs.filter((x) => x.spec.labels[NS] === 'app');
    expect(labelled(await d.client.listServices())).toEqual([]);
    expect(labelled(await d.client.listNetworks())).toEqual([]);
    expect(labelled(await d.client.listSecrets())).toEqual([]);
    expect(labelled(await d.client.listConfigs())).toEqual([]);
    await waitUntil(async () => (await containers('app_web')).length === 0, {
      timeoutMs: 30_000,
      message: 'web containers gone',
    });
    expect((await cli(['stack', 'ls'])).stdout).not.toMatch(/\napp\s/);
  });
});
