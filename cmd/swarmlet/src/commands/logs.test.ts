import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task } from '@swarmlet/api-types';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';
import { logsRequest } from './logs.js';

describe('swarmlet service logs', () => {
  let daemon: TestDaemon;
  let tasks: Task[];
  const cli = (...args: string[]) => runCli(daemon.socket, args);
  const book = () => daemon.fake.logBook;
  const id12 = (t: Task | undefined) => t?.id.slice(0, 12) ?? '';

  beforeEach(async () => {
    daemon = await startDaemon({ autoAdvance: false });
    await daemon.fake.createService({
      name: 'web',
      replicas: 10,
      task: { container: { image: 'busybox' } },
    });
    tasks = [...daemon.fake.tasks.values()].sort((a, b) => a.slot - b.slot);
    for (const t of tasks) t.nodeId = daemon.fake.nodes[0]!.id; // host-1
    book().append(tasks[0]!.id, 'hello from 1');
    book().append(tasks[0]!.id, 'oops', 'stderr');
    book().append(tasks[9]!.id, 'hello from 10');
  });
  afterEach(() => daemon.close());

  it("prefixes each line with task and node, Docker's way, slots padded", async () => {
    const res = await cli('service', 'logs', 'web');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      `web.1.${id12(tasks[0])} @host-1    | hello from 1\n` +
        `web.10.${id12(tasks[9])}@host-1    | hello from 10\n`,
    );
    // A container's stderr goes to stderr.
    expect(res.stderr).toBe(`web.1.${id12(tasks[0])} @host-1    | oops\n`);
  });

  it('--raw prints only the line, -t adds the timestamp, --no-task-ids drops the id', async () => {
    const raw = await cli('service', 'logs', '--raw', 'web');
    expect(raw.stdout).toBe('hello from 1\nhello from 10\n');
    const ts = await cli('service', 'logs', '--raw', '-t', 'web');
    expect(ts.stdout).toMatch(
      /^2026-01-01T00:00:01\.000000000Z hello from 1\n2026-\S+Z hello from 10\n$/,
    );
    const noIds = await cli('service', 'logs', '--no-task-ids', '-t', 'web');
    expect(noIds.stdout.split('\n')[0]).toBe(
      '2026-01-01T00:00:01.000000000Z web.1 @host-1    | hello from 1',
    );
  });

  it('takes a task id instead of a service, and sends --tail and --since', async () => {
    const res = await cli(
      'service',
      'logs',
      '--tail',
      '1',
      '--since',
      '2026-01-01T00:00:00Z',
      tasks[0]!.id,
    );
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(`web.1.${id12(tasks[0])}@host-1    | oops\n`);
    expect(book().lastRequest).toEqual({
      follow: false,
      tail: 1,
      since: '2026-01-01T00:00:00.000Z',
    });
  });

  it('prints notices on stderr and fails clearly for an unknown service or bad flags', async () => {
    book().notices.push({
      notice: 'node host-2 (n2) is down: the logs of its tasks are missing',
      nodeId: 'n2',
      nodeName: 'host-2',
    });
    const res = await cli('service', 'logs', '--raw', 'web');
    expect(res.stderr).toContain(
      'Warning: node host-2 (n2) is down: the logs of its tasks are missing\n',
    );
    const missing = await cli('service', 'logs', 'nope');
    expect(missing).toMatchObject({ code: 1, stderr: 'Error: no such service or task: nope\n' });
    const bad = await cli('service', 'logs', '--tail', '-3', 'web');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid argument "-3" for "--tail"/);
  });

  it('-f streams new lines until Ctrl-C, then exits cleanly', async () => {
    const ac = new AbortController();
    let out = '';
    const running = runCli(daemon.socket, ['service', 'logs', '-f', '--raw', 'web'], {
      signal: ac.signal,
    }).then((r) => ((out = r.stdout), r));
    await new Promise((r) => setTimeout(r, 100));
    book().append(tasks[1]!.id, 'later line');
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    const res = await running;
    expect(res.code).toBe(0);
    expect(out).toBe('hello from 1\nhello from 10\nlater line\n');
  });
});

describe('logsRequest', () => {
  it('turns a relative --since into a timestamp from the given now', () => {
    const now = new Date('2026-05-01T12:00:00Z');
    expect(logsRequest({ since: '90m', tail: 'all', follow: true }, now)).toEqual({
      since: '2026-05-01T10:30:00.000Z',
      follow: true,
    });
    expect(() => logsRequest({ since: 'soon' }, now)).toThrow(
      /invalid argument "soon" for "--since"/,
    );
  });
});
