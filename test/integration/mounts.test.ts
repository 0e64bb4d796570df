import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isExecutorError } from '@swarmlet/agent';
import { DockerExecutor, VOLUME_LABEL } from '@swarmlet/executor-docker';
import { DaemonProcess } from './helpers/daemon.js';
import {
  TEST_IMAGE,
  dockerClient,
  dockerEndpoint,
  removeContainersByLabel,
  requireImage,
  testRunId,
  waitUntil,
} from './helpers/docker.js';

/**
 * `--mount` on one node with the real engine: a named volume created by the agent (labelled,
 * with its driver options) and kept across task restarts, a read-only bind, a sized tmpfs, an
 * anonymous volume removed with its container, tasks REJECTED for a missing bind source or an
 * unknown volume driver, and the executor's `listVolumes`/`removeVolume`.
 */

const NODE_LABEL = 'io.swarmlet.node.id';
const RUN = testRunId('mnt');
const VOL = `swl-${RUN}-data`;
const OPT_VOL = `swl-${RUN}-opts`;
const BAD_VOL = `swl-${RUN}-baddrv`;

let docker: Docker;
let d: DaemonProcess;
let hostDir = '';
let nodeId = '';

function sh(container: string, script: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile('docker', ['exec', container, 'sh', '-c', script], { timeout: 20_000 }, (err, o, e) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: o + e }),
    ),
  );
}

/** The running task of `service` (other than `notId`) and its container. */
async function runningTask(
  service: string,
  notId = '',
): Promise<{ id: string; container: string }> {
  return waitUntil(
    async () => {
      const t = (await d.client.listTasks({ service })).find(
        (x) => x.status.state === 'running' && x.desiredState === 'running' && x.id !== notId,
      );
      if (!t) return undefined;
      const [c] = await docker.listContainers({
        filters: { label: [`io.swarmlet.task.id=${t.id}`] },
      });
      return c ? { id: t.id, container: c.Id } : undefined;
    },
    { timeoutMs: 60_000, message: `a running task of ${service}` },
  );
}

async function create(name: string, mounts: string[], ...cmd: string[]): Promise<void> {
  const flags = mounts.flatMap((m) => ['--mount', m]);
  // `sleep` as PID 1 ignores SIGTERM: a short grace period keeps restarts and removals quick.
  const r = await d.cli([
    'service',
    'create',
    '-d',
    '--stop-grace-period',
    '1s',
    '--name',
    name,
    ...flags,
    TEST_IMAGE,
    ...cmd,
  ]);
  expect(r.code, r.stderr).toBe(0);
}

async function rejection(service: string): Promise<string> {
  const task = await waitUntil(
    async () => (await d.client.listTasks({ service })).find((t) => t.status.state === 'rejected'),
    { timeoutMs: 30_000, message: `a rejected task of ${service}` },
  );
  return task.status.err;
}

async function volumeExists(name: string): Promise<boolean> {
  return docker
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  hostDir = await mkdtemp(join(tmpdir(), 'swl-mnt-'));
  await writeFile(join(hostDir, 'hello.txt'), 'from the host\n');
  d = await DaemonProcess.create('swarmlet-mnt-', ['--no-data-plane']);
  const init = await d.cli(['init']);
  expect(init.code, init.stderr).toBe(0);
  nodeId = (await d.client.info()).nodeId;
});

afterAll(async () => {
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  for (const v of [VOL, OPT_VOL, BAD_VOL]) {
    await docker
      ?.getVolume(v)
      .remove()
      .catch(() => undefined);
  }
  if (hostDir) await rm(hostDir, { recursive: true, force: true });
});

describe('mounts on one node (real engine)', () => {
  it('a named volume is created by the agent, labelled, and the restarted task sees its files', async () => {
    await create(
      'vol',
      [`type=volume,source=${VOL},target=/data`],
      'sh',
      '-c',
      'echo "$SWARMLET_TASK_ID" >> /data/ids; exec sleep 3600',
    );
    const first = await runningTask('vol');
    const info = await docker.getVolume(VOL).inspect();
    expect(info.Labels?.[VOLUME_LABEL]).toBe('true');
    expect(info.Driver).toBe('local');

    const r = await d.cli(['service', 'update', '-d', '--force', 'vol']);
    expect(r.code, r.stderr).toBe(0);
    const second = await runningTask('vol', first.id);
    const ids = await waitUntil(
      async () => {
        const out = (await sh(second.container, 'cat /data/ids')).out.trim().split('\n');
        return out.length >= 2 ? out : undefined;
      },
      { timeoutMs: 10_000, message: 'both task ids in the volume' },
    );
    expect(ids).toEqual([first.id, second.id]);
  });

  it('passes volume-opt to the volume the agent creates', async () => {
    await create(
      'opts',
      [
        `type=volume,source=${OPT_VOL},target=/t,volume-opt=type=tmpfs,volume-opt=device=tmpfs,` +
          '"volume-opt=o=size=3m,mode=0700"',
      ],
      'sleep',
      '3600',
    );
    const { container } = await runningTask('opts');
    const info = await docker.getVolume(OPT_VOL).inspect();
    expect(info.Options).toEqual({ type: 'tmpfs', device: 'tmpfs', o: 'size=3m,mode=0700' });
    expect((await sh(container, 'grep " /t " /proc/mounts')).out).toMatch(
      /tmpfs \/t tmpfs .*size=3072k/,
    );
  });

  it('service update --mount-add/--mount-rm replaces the task with the new mounts', async () => {
    const before = await runningTask('opts');
    const r = await d.cli([
      'service',
      'update',
      '-d',
      '--mount-add',
      'type=tmpfs,dst=/extra,tmpfs-size=1m',
      '--mount-rm',
      '/t',
      'opts',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const svc = await d.client.getService('opts');
    expect(svc.spec.task.container.mounts).toEqual([
      { type: 'tmpfs', source: '', target: '/extra', tmpfsSizeBytes: 1024 * 1024 },
    ]);
    const after = await runningTask('opts', before.id);
    const mounts = (await sh(after.container, 'cat /proc/mounts')).out;
    expect(mounts).toMatch(/^tmpfs \/extra tmpfs rw,.*size=1024k/m);
    expect(mounts).not.toMatch(/ \/t /);
    // The volume stays on the node: only its mount went.
    expect(await volumeExists(OPT_VOL)).toBe(true);
  });

  it('a readonly bind is read-only inside, a tmpfs has its size and mode, an anonymous volume goes with its container', async () => {
    await create(
      'files',
      [
        `type=bind,src=${hostDir},dst=/host,readonly`,
        'type=tmpfs,dst=/scratch,tmpfs-size=2m,tmpfs-mode=1770',
        'type=volume,dst=/anon',
      ],
      'sleep',
      '3600',
    );
    const { container } = await runningTask('files');
    expect((await sh(container, 'cat /host/hello.txt')).out).toBe('from the host\n');
    const write = await sh(container, 'touch /host/new');
    expect(write.code).not.toBe(0);
    expect(write.out).toMatch(/Read-only file system/);
    const mounts = (await sh(container, 'cat /proc/mounts')).out;
    expect(mounts).toMatch(/ \/host \S+ ro[,\s]/);
    expect(mounts).toMatch(/^tmpfs \/scratch tmpfs rw,.*size=2048k,mode=1770/m);
    expect((await sh(container, "df -k /scratch | tail -1 | awk '{print $2}'")).out.trim()).toBe(
      '2048',
    );
    // The anonymous volume is the engine's, named by it, and removed with the container.
    const inspected = await docker.getContainer(container).inspect();
    const anon = inspected.Mounts.find((m) => m.Destination === '/anon')?.Name ?? '';
    expect(anon).toMatch(/^[0-9a-f]{64}$/);
    expect(await volumeExists(anon)).toBe(true);
    await d.client.removeService('files');
    await waitUntil(async () => !(await volumeExists(anon)), {
      timeoutMs: 30_000,
      message: 'the anonymous volume removed with its container',
    });
  });

  it('a bind of a missing path REJECTS the task, saying the path does not exist', async () => {
    const missing = join(hostDir, 'nope');
    await create('nobind', [`type=bind,src=${missing},dst=/x`], 'sleep', '3600');
    expect(await rejection('nobind')).toContain(
      `invalid mount config for type "bind": bind source path does not exist: ${missing}`,
    );
    await d.client.removeService('nobind');
  });

  it('an unknown volume driver REJECTS the task (not mistaken for a missing image)', async () => {
    await create(
      'baddrv',
      [`source=${BAD_VOL},target=/v,volume-driver=swl-no-such-driver`],
      'true',
    );
    expect(await rejection('baddrv')).toMatch(
      new RegExp(`volume ${BAD_VOL}: .*plugin "swl-no-such-driver" not found`),
    );
    await d.client.removeService('baddrv');
  });

  it('listVolumes and removeVolume: in use refused, then removed', async () => {
    const exec = new DockerExecutor({ ...dockerEndpoint(), nodeId: `${RUN}-exec` });
    const listed = (await exec.listVolumes()).find((v) => v.name === VOL);
    expect(listed).toEqual({
      name: VOL,
      driver: 'local',
      labels: { [VOLUME_LABEL]: 'true' },
      inUse: true,
    });
    const refused = await exec.removeVolume(VOL).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isExecutorError(refused)).toBe(true);
    expect(refused).toMatchObject({ kind: 'runtime', temporary: false });
    expect((refused as Error).message).toMatch(new RegExp(`volume ${VOL} is in use`));
    expect(await volumeExists(VOL)).toBe(true);

    await d.client.removeService('vol');
    await waitUntil(
      async () =>
        (await docker.listContainers({ all: true, filters: { volume: [VOL] } })).length === 0,
      { timeoutMs: 30_000, message: `no container using ${VOL}` },
    );
    expect((await exec.listVolumes()).find((v) => v.name === VOL)?.inUse).toBe(false);
    await exec.removeVolume(VOL);
    expect(await volumeExists(VOL)).toBe(false);
    expect((await exec.listVolumes()).some((v) => v.name === VOL)).toBe(false);
    await expect(exec.removeVolume(VOL)).rejects.toThrow(/no such volume/);
  });
});
