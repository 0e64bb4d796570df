import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';

/** Stands in for the process's stdin, as `FILE` given as `-` reads it. */
function fakeStdin(...chunks: string[]): void {
  const stream = Readable.from(chunks.map((c) => Buffer.from(c)));
  vi.spyOn(process, 'stdin', 'get').mockReturnValue(stream as unknown as typeof process.stdin);
}

describe('swarmlet config', () => {
  let daemon: TestDaemon;
  let dir: string;
  const cli = (...args: string[]) => runCli(daemon.socket, args);
  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const stored = () =>
    daemon.fake.configs.map((c) => Buffer.from(c.spec.data, 'base64').toString());
  const conf = 'worker_processes 1;\n';

  beforeEach(async () => {
    daemon = await startDaemon();
    dir = mkdtempSync(join(tmpdir(), 'swarmlet-config-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
    await daemon.close();
  });

  it('creates configs from a file or stdin, printing the id', async () => {
    const res = await cli('config', 'create', '--label', 'app=web', 'nginx.conf', file('n', conf));
    expect(res).toEqual({ code: 0, stdout: `${daemon.fake.configs[0]?.id}\n`, stderr: '' });
    expect(daemon.fake.configs[0]?.spec).toMatchObject({
      name: 'nginx.conf',
      labels: { app: 'web' },
    });
    fakeStdin('a=1\n');
    expect((await cli('config', 'create', 'app.ini', '-')).code).toBe(0);
    expect(stored()).toEqual([conf, 'a=1\n']);
  });

  it('checks the file and the 1000 KB limit before sending, and has no --type', async () => {
    const missing = join(dir, 'nope.conf');
    expect(await cli('config', 'create', 'c', missing)).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error: error reading content from "${missing}": no such file or directory\n`,
    });
    const big = file('big', Buffer.alloc(1_024_001, 'a'));
    expect((await cli('config', 'create', 'c', big)).stderr).toBe(
      `Error: config data from "${big}" is too large: the limit is 1000 KB (1024000 bytes)\n`,
    );
    fakeStdin('a'.repeat(600_000), 'b'.repeat(600_000));
    expect((await cli('config', 'create', 'c', '-')).stderr).toBe(
      'Error: config data from stdin is too large: the limit is 1000 KB (1024000 bytes)\n',
    );
    const typed = await cli('config', 'create', '--type', 'tls', 'c', file('c', 'x'));
    expect(typed.code).toBe(1);
    expect(typed.stderr).toContain("unknown option '--type'");
    expect(daemon.fake.configs).toHaveLength(0);
    expect(
      (await cli('config', 'create', 'c', file('max', Buffer.alloc(1_024_000, 'a')))).code,
    ).toBe(0);
  });

  it('lists configs as a table, ids only or JSON', async () => {
    await cli('config', 'create', 'nginx.conf', file('n', conf));
    const id = daemon.fake.configs[0]?.id ?? '';
    const ls = await cli('config', 'ls');
    expect(ls.stdout).toMatch(/^ID\s+NAME\s+SIZE\s+CREATED\s+UPDATED\n/);
    expect(ls.stdout).toMatch(
      new RegExp(`\\n${id}\\s+nginx\\.conf\\s+20B\\s+Less than a second ago`),
    );
    expect((await cli('config', 'list', '-q')).stdout).toBe(`${id}\n`);
    const json = JSON.parse((await cli('config', 'ls', '--format', 'json')).stdout);
    expect(json[0].spec.data).toBe(Buffer.from(conf).toString('base64'));
  });

  it('inspects with the data in base64, or decoded with --pretty', async () => {
    await cli('config', 'create', 'nginx.conf', file('n', conf));
    const inspect = await cli('config', 'inspect', 'nginx.conf', 'nope');
    expect(inspect).toMatchObject({ code: 1, stderr: 'Error: config nope not found\n' });
    expect(JSON.parse(inspect.stdout)[0].spec.data).toBe(Buffer.from(conf).toString('base64'));
    const pretty = await cli('config', 'inspect', '--pretty', 'nginx.conf');
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(/^ID:\s+\w+\nName:\s+nginx\.conf\nCreated at:/);
    expect(pretty.stdout).toMatch(/\nData:\nworker_processes 1;\n$/);
  });

  it('updates in place, from a file or stdin', async () => {
    await cli('config', 'create', 'nginx.conf', file('n', conf));
    const res = await cli('config', 'update', 'nginx.conf', file('n2', 'worker_processes 2;\n'));
    expect(res).toEqual({
      code: 0,
      stdout: `${daemon.fake.configs[0]?.id}\n`,
      stderr:
        'Config "nginx.conf" updated; running tasks see the new value in their mounted file ' +
        'within seconds (no restart).\n',
    });
    fakeStdin('worker_processes 4;\n');
    expect((await cli('config', 'update', 'nginx.conf', '-')).code).toBe(0);
    expect(stored()).toEqual(['worker_processes 4;\n']);
    fakeStdin();
    expect((await cli('config', 'update', 'nginx.conf', '-')).stderr).toBe(
      'Error: config data from stdin is empty\n',
    );
  });

  it('removes configs, carrying on past missing ones', async () => {
    await cli('config', 'create', 'a', file('a', 'a'));
    await cli('config', 'create', 'b', file('b', 'b'));
    expect(await cli('config', 'rm', 'a', 'nope', 'b')).toEqual({
      code: 1,
      stdout: 'a\nb\n',
      stderr: 'Error: config nope not found\n',
    });
    expect(daemon.fake.configs).toHaveLength(0);
  });
});
