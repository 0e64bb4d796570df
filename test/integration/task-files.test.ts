// TaskFiles against the real engine: secrets on a per-task tmpfs, never on disk, and configs
// swapped atomically under a running container. Needs root (mount) and swarmlet/busybox.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, rmdir, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskFiles, type TaskFile } from '@swarmlet/executor-docker';
import {
  dockerClient,
  removeContainersByLabel,
  requireImage,
  TEST_IMAGE,
  TEST_RUN_LABEL,
  testRunId,
  waitUntil,
} from './helpers/docker.js';

const run = promisify(execFile);
const RUN_ID = testRunId('taskfiles');
const ROOT = `/run/swarmlet-test/${RUN_ID}`;
const TASK = 'task1';
const MARKER = `swarmlet-secret-${randomBytes(12).toString('hex')}`;
const CONFIG = '/etc/app.conf';
const SIZE = 200 * 1024;

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
/** 200 KB of printable data, distinct per version. */
const configVersion = (tag: string): Buffer =>
  Buffer.from(`${tag}\n${randomBytes(SIZE).toString('base64')}`.slice(0, SIZE));

const secret = (data: string): TaskFile => ({
  target: '/run/secrets/db_password',
  data: Buffer.from(data),
  uid: 1234,
  gid: 5678,
  mode: 0o444,
});
const config = (data: Buffer): TaskFile => ({ target: CONFIG, data, uid: 0, gid: 0, mode: 0o444 });

async function sh(container: string, script: string, timeoutMs = 10_000): Promise<string> {
  const { stdout } = await run('docker', ['exec', container, 'sh', '-c', script], {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

async function hostMountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').flatMap((l) => l.split(' ')[4] ?? []);
}

describe('TaskFiles (real tmpfs and busybox container)', () => {
  let docker: Docker;
  const store = new TaskFiles({ root: ROOT, tmpfsBytes: 4 * 1024 * 1024 });
  const v1 = configVersion('v1');
  const v2 = configVersion('v2');
  let name = '';
  let binds: string[] = [];

  beforeAll(async () => {
    docker = await dockerClient();
    await requireImage(docker, TEST_IMAGE);
    binds = await store.prepare(TASK, [secret(MARKER), config(v1)]);
    name = `${RUN_ID}-c`;
    const container = await docker.createContainer({
      name,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '600'],
      Labels: { [TEST_RUN_LABEL]: RUN_ID },
      HostConfig: { Binds: binds, NetworkMode: 'none' },
    });
    await container.start();
  });

  afterAll(async () => {
    await removeContainersByLabel(docker, TEST_RUN_LABEL, RUN_ID).catch(() => undefined);
    for (const id of await store.list().catch(() => [])) await store.release(id);
    await rm(ROOT, { recursive: true, force: true });
    await rmdir('/run/swarmlet-test').catch(() => undefined); // only when empty
  });

  it('prepare is idempotent and returns read-only binds', async () => {
    expect(await store.prepare(TASK, [secret(MARKER), config(v1)])).toEqual(binds);
    expect(binds).toHaveLength(2);
    expect(binds.every((b) => /:ro(,rslave)?$/.test(b))).toBe(true);
    expect(await store.list()).toEqual([TASK]);
  });

  it('the container reads the secret at /run/secrets with mode 0444 and its owner', async () => {
    expect(await sh(name, 'cat /run/secrets/db_password')).toBe(MARKER);
    expect(await sh(name, 'stat -c "%a %u %g" /run/secrets/db_password')).toBe('444 1234 5678\n');
    const mounts = await sh(name, 'grep " /run/secrets " /proc/mounts');
    expect(mounts).toMatch(/^tmpfs \/run\/secrets tmpfs ro[,\s]/);
    await expect(sh(name, 'echo x > /run/secrets/db_password')).rejects.toThrow(/Read-only/);
  });

  it('the config is a read-only file at its target', async () => {
    expect(md5(Buffer.from(await sh(name, `cat ${CONFIG}`)))).toBe(md5(v1));
    await expect(sh(name, `echo x >> ${CONFIG}`)).rejects.toThrow(/Read-only/);
  });

  it('the secret is on no disk: grep of docker and system data dirs finds only a control', async () => {
    // Positive control: a file the container writes lands in its overlay upper dir (on disk).
    const control = `swarmlet-control-${randomBytes(12).toString('hex')}`;
    await sh(name, `echo ${control} > /tmp/control`);
    const info = await docker.getContainer(name).inspect();
    const upper = (info.GraphDriver.Data as Record<string, string> | undefined)?.['UpperDir'];
    const dirs = ['/var/lib/docker/containers', '/var/lib/docker/volumes', '/tmp', '/var/tmp'];
    dirs.push('/var/log', '/run', ...(upper === undefined ? [] : [upper]));
    const existing: string[] = [];
    for (const d of dirs) if (await stat(d).catch(() => undefined)) existing.push(d);
    // -xdev: stay on each start directory's filesystem (skips tmpfs, proc and sys mounts).
    const script =
      'find "$@" -xdev -type f -size -64M -print0 2>/dev/null | ' +
      `xargs -0 -r grep -lF -e ${MARKER} -e ${control} 2>/dev/null; true`;
    const { stdout } = await run('timeout', ['90', 'sh', '-c', script, 'grep', ...existing], {
      timeout: 100_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const hits = stdout.split('\n').filter((l) => l !== '');
    const markerHits: string[] = [];
    for (const f of hits) {
      if ((await readFile(f, 'utf8').catch(() => '')).includes(MARKER)) markerHits.push(f);
    }
    expect(markerHits).toEqual([]);
    expect(hits.some((f) => f.endsWith('/tmp/control'))).toBe(upper !== undefined);
  });

  it('update: the running container sees a new config within 1 s and never half a file', async () => {
    const sums = new Set([md5(v1), md5(v2)]);
    // A reader loop for 2.5 s inside the container while the config is swapped every 100 ms.
    const reader = sh(
      name,
      `end=$(( $(date +%s) + 3 )); while [ $(date +%s) -lt $end ]; do md5sum ${CONFIG}; done`,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    let current = v1;
    for (let i = 0; i < 16; i++) {
      current = current === v1 ? v2 : v1;
      await store.update(TASK, [config(current)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = (await reader).split('\n').filter((l) => l !== '');
    const seen = lines.map((l) => l.split(/\s+/)[0] ?? '');
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.filter((s) => !sums.has(s))).toEqual([]);
    expect(new Set(seen)).toEqual(sums);

    await store.update(TASK, [config(v2)]);
    const started = Date.now();
    await waitUntil(async () => (await sh(name, `md5sum ${CONFIG}`)).startsWith(md5(v2)), {
      timeoutMs: 1000,
      intervalMs: 20,
      message: 'the container to see the new config',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    // One overlay at most: the stack does not grow with updates (Linux >= 6.5).
    const stacked = await sh(name, `grep -c " ${CONFIG} " /proc/self/mountinfo`);
    expect(Number(stacked)).toBeLessThanOrEqual(2);
    await expect(sh(name, `echo x >> ${CONFIG}`)).rejects.toThrow(/Read-only/);
  });

  it('update replaces a secret by rename and keeps its owner and mode', async () => {
    await store.update(TASK, [secret(`${MARKER}-2`)]);
    expect(await sh(name, 'cat /run/secrets/db_password')).toBe(`${MARKER}-2`);
    expect(await sh(name, 'stat -c "%a %u %g" /run/secrets/db_password')).toBe('444 1234 5678\n');
    expect(await sh(name, 'ls -A /run/secrets')).toBe('db_password\n');
  });

  it('update of a target that was not prepared is refused', async () => {
    const other = { ...config(v1), target: '/etc/other.conf' };
    await expect(store.update(TASK, [other])).rejects.toThrow(/not prepared/);
  });

  it('release unmounts and removes the tmpfs, and succeeds when absent', async () => {
    await docker.getContainer(name).remove({ force: true });
    const dir = store.taskDir(TASK);
    expect(await hostMountPoints()).toContain(dir);
    await store.release(TASK);
    expect((await hostMountPoints()).filter((p) => p.startsWith(dir))).toEqual([]);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
    expect(await store.list()).toEqual([]);
    await store.release(TASK);
  });
});
