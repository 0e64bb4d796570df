import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
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
 * Secrets and configs on one node with the real engine: delivered to the task's own tmpfs,
 * mounted read-only at /run/secrets/<target> and at the config's path, a config update seen in
 * place without a restart, a secret update rolling the task, and the value nowhere on disk.
 */

const NODE_LABEL = 'io.swarmlet.node.id';
const taskDir = (taskId: string): string => join('/run/swarmlet/tasks', nodeId, taskId);
const MARKER = `swl-secret-${randomBytes(8).toString('hex')}`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let docker: Docker;
let d: DaemonProcess;
let nodeId = '';

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: 20_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      resolve({
        code: err ? Number((err as { code?: number }).code ?? 1) : 0,
        out: stdout + stderr,
      }),
    ),
  );
}

async function runningTask(service: string): Promise<{ id: string; container: string }> {
  return waitUntil(
    async () => {
      const t = (await d.client.listTasks({ service })).find(
        (x) => x.status.state === 'running' && x.desiredState === 'running',
      );
      if (!t) return undefined;
      const [c] = await docker.listContainers({
        filters: { label: [`io.swarmlet.task.id=${t.id}`] },
      });
      return c ? { id: t.id, container: c.Id } : undefined;
    },
    { timeoutMs: 30_000, message: `a running task of ${service}` },
  );
}

async function inContainer(container: string, ...cmd: string[]): Promise<string> {
  const r = await run('docker', ['exec', container, ...cmd]);
  return r.out;
}

/** Every regular file under `dir` whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const entries = await readdir(p, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = join(p, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && (await readFile(full)).includes(needle)) found.push(full);
    }
  };
  await walk(dir);
  return found;
}

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  await removeOverlays(docker, '10.234.');
  d = await DaemonProcess.create('swarmlet-sec-', ['--drain-ms', '0']);
  const init = await d.cli(['init', '--default-addr-pool', '10.234.0.0/16']);
  expect(init.code, init.stderr).toBe(0);
  nodeId = (await d.client.info()).nodeId;
  await d.client.createSecret({ name: 'db_pw', data: b64(MARKER) });
  await d.client.createConfig({ name: 'app_conf', data: b64('level=1\n') });
  await d.client.createService({
    name: 'app',
    task: {
      container: { image: TEST_IMAGE, args: ['sleep', '3600'] },
      secrets: [{ source: 'db_pw', mode: 0o400, uid: 1000 }],
      configs: [{ source: 'app_conf', target: '/etc/app.conf' }],
    },
  });
});

afterAll(async () => {
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  if (docker) await removeOverlays(docker, '10.234.');
  // The node's (now empty) task-files directory.
  if (nodeId) await rm(join('/run/swarmlet/tasks', nodeId), { recursive: true, force: true });
});

describe('secrets and configs on one node (real engine)', () => {
  it('mounts the secret read-only from a tmpfs at /run/secrets, with its owner and mode', async () => {
    const { container } = await runningTask('app');
    expect(await inContainer(container, 'cat', '/run/secrets/db_pw')).toBe(MARKER);
    expect((await inContainer(container, 'stat', '-c', '%a %u', '/run/secrets/db_pw')).trim()).toBe(
      '400 1000',
    );
    const mounts = await inContainer(container, 'cat', '/proc/mounts');
    expect(mounts).toMatch(/tmpfs \/run\/secrets tmpfs ro[,\s]/);
    expect(await inContainer(container, 'cat', '/etc/app.conf')).toBe('level=1\n');
    // The API never shows the value.
    expect(JSON.stringify(await d.client.listSecrets())).not.toContain(b64(MARKER));
  });

  it('keeps the value off every disk: data dir (Raft log sealed), daemon log, containers', async () => {
    for (const needle of [MARKER, b64(MARKER)]) {
      expect(await filesContaining(d.dataDir, needle), needle).toEqual([]);
      expect(await filesContaining('/var/lib/docker/containers', needle), needle).toEqual([]);
      expect(await d.log()).not.toContain(needle);
    }
    // The data dir does hold the (sealed) Raft log: the search above looked at real data.
    const raft = await filesContaining(join(d.dataDir, 'raft'), '');
    expect(raft.length).toBeGreaterThan(0);
  });

  it('updates a config in place: the running container sees it, no restart', async () => {
    const before = await runningTask('app');
    await d.client.updateConfig('app_conf', { data: b64('level=2\n') });
    await waitUntil(
      async () => (await inContainer(before.container, 'cat', '/etc/app.conf')) === 'level=2\n',
      { timeoutMs: 5_000, message: 'the new config in the running container' },
    );
    expect((await runningTask('app')).container).toBe(before.container);
  });

  it('rolls the task on a secret update; the old task tmpfs goes', async () => {
    const before = await runningTask('app');
    await d.client.updateSecret('db_pw', { data: b64(`${MARKER}-v2`) });
    const after = await waitUntil(
      async () => {
        const t = await runningTask('app');
        return t.id !== before.id ? t : undefined;
      },
      { timeoutMs: 30_000, message: 'a new task after the secret update' },
    );
    expect(await inContainer(after.container, 'cat', '/run/secrets/db_pw')).toBe(`${MARKER}-v2`);
    await waitUntil(
      async () =>
        stat(taskDir(before.id)).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 10_000, message: "the old task's tmpfs to go" },
    );
  });

  it('refuses to remove a secret in use, then removes it with the service', async () => {
    const rm = await d.cli(['secret', 'rm', 'db_pw']);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toContain('in use by service app');
    const { id } = await runningTask('app');
    await d.client.removeService('app');
    await waitUntil(
      async () =>
        stat(taskDir(id)).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 15_000, message: "the task's tmpfs to go" },
    );
    await d.client.removeSecret('db_pw');
    expect(await d.client.listSecrets()).toEqual([]);
  });

  it('leave releases every task tmpfs of the node', async () => {
    await d.client.createService({
      name: 'again',
      task: {
        container: { image: TEST_IMAGE, args: ['sleep', '3600'] },
        configs: [{ source: 'app_conf', target: '/etc/app.conf' }],
      },
    });
    const { id } = await runningTask('again');
    await stat(taskDir(id)); // mounted
    const left = await d.cli(['leave', '--force']);
    expect(left.code, left.stderr).toBe(0);
    expect(await readdir(join('/run/swarmlet/tasks', nodeId)).catch(() => [])).toEqual([]);
  });
});
