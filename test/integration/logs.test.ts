import { execFile, spawn } from 'node:child_process';
import { request } from 'node:http';
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, DaemonProcess } from './helpers/daemon.js';
import {
  TEST_IMAGE,
  TEST_RUN_LABEL,
  dockerClient,
  removeContainersByLabel,
  requireImage,
  testRunId,
  waitUntil,
} from './helpers/docker.js';

/**
 * `service logs` and `volume ls/rm` on one node with the real engine: every line of every
 * replica with its task prefix, `--tail` per task, `-f` seeing a later line and ending on
 * Ctrl-C, the logs of a task that exited next to its replacement's, the NDJSON REST stream,
 * and volumes listed and removed through the agent (refused while a container uses one).
 */

const NODE_LABEL = 'io.swarmlet.node.id';
const RUN = testRunId('logs');
const SVC = `lg${RUN.slice(-8)}`;
const CRASH = `lc${RUN.slice(-8)}`;
const VOL = `swl-${RUN}-vol`;
const HOST = hostname();

// One line on stderr, then (a second later, so the engine's two copiers cannot reorder them)
// five numbered lines, then (for -f) one more once /tmp/go exists.
const SCRIPT =
  'echo "oops" >&2; sleep 1; for i in 1 2 3 4 5; do echo "line $i"; done; ' +
  'while [ ! -f /tmp/go ]; do sleep 1; done; echo after-follow; sleep 3600';

let docker: Docker;
let d: DaemonProcess;
let nodeId = '';

async function create(name: string, extra: string[], script: string): Promise<void> {
  const r = await d.cli([
    'service',
    'create',
    '-d',
    '--stop-grace-period',
    '1s',
    '--name',
    name,
    ...extra,
    TEST_IMAGE,
    'sh',
    '-c',
    script,
  ]);
  expect(r.code, r.stderr).toBe(0);
}

/** `name.slot.id12@host    | text` lines of stdout, grouped by prefix. */
function byPrefix(out: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [prefix = '', text = ''] = line.split('    | ');
    m.set(prefix, [...(m.get(prefix) ?? []), text]);
  }
  return m;
}

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  d = await DaemonProcess.create('swarmlet-logs-', ['--no-data-plane']);
  const init = await d.cli(['init']);
  expect(init.code, init.stderr).toBe(0);
  nodeId = (await d.client.info()).nodeId;
  await create(SVC, ['--replicas', '2'], SCRIPT);
  // Both replicas running and done printing their numbered lines.
  await waitUntil(
    async () => {
      const r = await d.cli(['service', 'logs', '--raw', SVC]);
      return r.stdout.split('\n').filter((l) => l === 'line 5').length === 2 ? r : undefined;
    },
    { timeoutMs: 60_000, message: 'both replicas printed their lines' },
  );
});

afterAll(async () => {
  await d?.cli(['service', 'rm', SVC, CRASH]);
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  await removeContainersByLabel(docker, TEST_RUN_LABEL, RUN);
  await docker
    ?.getVolume(VOL)
    .remove()
    .catch(() => undefined);
});

describe('service logs (real engine)', () => {
  it('returns every line of every replica with its task prefix, stderr on stderr', async () => {
    const tasks = (await d.client.listTasks({ service: SVC })).filter(
      (t) => t.status.state === 'running',
    );
    expect(tasks).toHaveLength(2);
    const r = await d.cli(['service', 'logs', SVC]);
    expect(r.code, r.stderr).toBe(0);
    const groups = byPrefix(r.stdout);
    const expected = tasks.map((t) => `${SVC}.${t.slot}.${t.id.slice(0, 12)}@${HOST}`).sort();
    expect([...groups.keys()].sort()).toEqual(expected);
    for (const lines of groups.values()) {
      expect(lines).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    }
    expect([...byPrefix(r.stderr).keys()].sort()).toEqual(expected);
    expect(r.stderr.match(/\| oops$/gm)).toHaveLength(2);
  });

  it('--tail 2 returns exactly two lines per task; -t stamps them', async () => {
    const r = await d.cli(['service', 'logs', '--tail', '2', '-t', '--no-task-ids', SVC]);
    expect(r.code, r.stderr).toBe(0);
    const all = [...r.stdout.split('\n'), ...r.stderr.split('\n')].filter(Boolean);
    expect(all).toHaveLength(4);
    for (const slot of [1, 2]) {
      const mine = all.filter((l) => l.includes(` ${SVC}.${slot}@${HOST}    | `));
      expect(mine.map((l) => l.split('    | ')[1])).toEqual(['line 4', 'line 5']);
    }
    for (const l of all) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);
  });

  it('-f sees a line printed after it started, and ends on Ctrl-C', async () => {
    const child = spawn(process.execPath, [
      CLI_BIN,
      '--socket',
      d.socket,
      'service',
      'logs',
      '-f',
      '--raw',
      SVC,
    ]);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitUntil(
        async () => (out.split('\n').filter((l) => l === 'line 5').length === 2 ? true : undefined),
        {
          timeoutMs: 20_000,
          message: 'the backlog of both replicas',
        },
      );
      expect(out).not.toContain('after-follow');
      const [c] = await docker.listContainers({
        filters: { label: [`io.swarmlet.service.name=${SVC}`] },
      });
      await new Promise<void>((resolve, reject) =>
        execFile('docker', ['exec', c!.Id, 'touch', '/tmp/go'], (err) =>
          err ? reject(err) : resolve(),
        ),
      );
      await waitUntil(async () => (out.includes('after-follow\n') ? true : undefined), {
        timeoutMs: 20_000,
        message: 'the line printed after -f started',
      });
      child.kill('SIGINT');
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('hung'), 10_000)),
      ]);
      expect([0, 130]).toContain(code);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('shows the logs of a task that exited next to those of its replacement', async () => {
    await create(
      CRASH,
      ['--restart-condition', 'any', '--restart-delay', '100ms'],
      'echo "run of $HOSTNAME"; sleep 1; exit 3',
    );
    const tasks = await waitUntil(
      async () => {
        const ts = await d.client.listTasks({ service: CRASH });
        return ts.filter((t) => t.status.state === 'failed').length >= 2 ? ts : undefined;
      },
      { timeoutMs: 60_000, message: 'two failed runs of the crashing task' },
    );
    const r = await d.cli(['service', 'logs', CRASH]);
    expect(r.code, r.stderr).toBe(0);
    const groups = byPrefix(r.stdout);
    const failed = tasks.filter((t) => t.status.state === 'failed');
    for (const t of failed) {
      expect(groups.get(`${CRASH}.1.${t.id.slice(0, 12)}@${HOST}`)?.[0]).toMatch(/^run of /);
    }
    expect(groups.size).toBeGreaterThanOrEqual(2);
  });

  it('GET /v1/services/{ref}/logs streams NDJSON', async () => {
    const { type, body } = await new Promise<{ type: string; body: string }>((resolve, reject) => {
      const req = request(
        { socketPath: d.socket, path: `/v1/services/${SVC}/logs?tail=1`, method: 'GET' },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ type: String(res.headers['content-type']), body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(type).toMatch(/^application\/x-ndjson/);
    const entries = body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toHaveLength(2);
    for (const e of entries) {
      expect(e).toMatchObject({
        nodeId,
        nodeName: HOST,
        serviceName: SVC,
        stream: 'stdout',
      });
      expect(String(e['timestamp'])).toMatch(/Z$/);
      // The replica the -f test woke printed one more line.
      expect(['line 5', 'after-follow']).toContain(e['text']);
    }
  });
});

describe('volume ls/rm through the agent (real engine)', () => {
  it('lists a named volume by node and refuses to remove it while a container uses it', async () => {
    await docker.createVolume({ Name: VOL, Labels: { [TEST_RUN_LABEL]: RUN } });
    const ls = await d.cli(['volume', 'ls', '--node', HOST]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout.split('\n')[0]).toMatch(/^NODE\s+DRIVER\s+VOLUME NAME$/);
    expect(ls.stdout).toMatch(new RegExp(`^${HOST}\\s+local\\s+${VOL}$`, 'm'));
    const user = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['true'],
      Labels: { [TEST_RUN_LABEL]: RUN },
      HostConfig: { Binds: [`${VOL}:/data`] },
    });
    const busy = await d.cli(['volume', 'rm', VOL]);
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toContain(`volume ${VOL} is in use on node ${HOST}`);
    await user.remove({ force: true });
    const rm = await d.cli(['volume', 'rm', VOL]);
    expect(rm, rm.stderr).toMatchObject({ code: 0, stdout: `${VOL}\n` });
    await expect(docker.getVolume(VOL).inspect()).rejects.toThrow();
    const again = await d.cli(['volume', 'rm', VOL]);
    expect(again.stderr).toContain(`no such volume: ${VOL}`);
  });
});
