import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';
import { dataCreateRequest } from './secret.js';

/** Stands in for the process's stdin, as `FILE` given as `-` reads it. */
function fakeStdin(...chunks: string[]): void {
  const stream = Readable.from(chunks.map((c) => Buffer.from(c)));
  vi.spyOn(process, 'stdin', 'get').mockReturnValue(stream as unknown as typeof process.stdin);
}

describe('dataCreateRequest', () => {
  it('maps labels and type, and refuses unknown types', () => {
    expect(dataCreateRequest('db_pw', { label: ['a=1', 'b'], type: 'tls' })).toEqual({
      name: 'db_pw',
      data: '',
      labels: { a: '1', b: '' },
      type: 'tls',
    });
    expect(() => dataCreateRequest('x', { type: 'x509' })).toThrow(
      'invalid argument "x509" for "--type": must be one of opaque, tls, registry',
    );
  });
});

describe('swarmlet secret', () => {
  let daemon: TestDaemon;
  let dir: string;
  const cli = (...args: string[]) => runCli(daemon.socket, args);
  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const stored = () =>
    daemon.fake.secrets.map((s) => Buffer.from(s.spec.data, 'base64').toString());

  beforeEach(async () => {
    daemon = await startDaemon();
    dir = mkdtempSync(join(tmpdir(), 'swarmlet-secret-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
    await daemon.close();
  });

  it('creates a secret from a file with labels and a type, printing its id', async () => {
    const res = await cli(
      'secret',
      'create',
      '-l',
      'env=prod',
      '--type',
      'opaque',
      'db_pw',
      file('pw', 'hunter2'),
    );
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toBe(`${daemon.fake.secrets[0]?.id}\n`);
    expect(daemon.fake.secrets[0]?.spec).toMatchObject({
      name: 'db_pw',
      labels: { env: 'prod' },
      type: 'opaque',
    });
    expect(stored()).toEqual(['hunter2']);
  });

  it('reads the value from stdin for -', async () => {
    fakeStdin('hun', 'ter2\n');
    const res = await cli('secret', 'create', 'db_pw', '-');
    expect(res.code, res.stderr).toBe(0);
    expect(stored()).toEqual(['hunter2\n']);
  });

  it('names the file it cannot read, and sends nothing', async () => {
    const missing = join(dir, 'nope');
    expect(await cli('secret', 'create', 's', missing)).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error: error reading content from "${missing}": no such file or directory\n`,
    });
    expect((await cli('secret', 'create', 's', dir)).stderr).toBe(
      `Error: error reading content from "${dir}": is a directory\n`,
    );
    expect(daemon.fake.secrets).toHaveLength(0);
  });

  it('refuses data over 500 KB and empty data before sending', async () => {
    const big = file('big', Buffer.alloc(512_001, 'a'));
    expect(await cli('secret', 'create', 's', big)).toMatchObject({
      code: 1,
      stderr: `Error: secret data from "${big}" is too large: the limit is 500 KB (512000 bytes)\n`,
    });
    expect((await cli('secret', 'create', 's', file('max', Buffer.alloc(512_000, 'a')))).code).toBe(
      0,
    );
    fakeStdin();
    expect(await cli('secret', 'create', 't', '-')).toMatchObject({
      code: 1,
      stderr: 'Error: secret data from stdin is empty\n',
    });
    expect(daemon.fake.secrets.map((s) => s.spec.name)).toEqual(['s']);
  });

  it('rejects bad flags and missing arguments as usage errors', async () => {
    expect(await cli('secret', 'create', '--type', 'x509', 's', file('v', 'x'))).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'swarmlet: invalid argument "x509" for "--type": must be one of opaque, tls, registry\n' +
        "See 'swarmlet secret create --help'.\n",
    });
    const missing = await cli('secret', 'create', 's');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("missing required argument 'file'");
    const unknown = await cli('secret', 'ls', '--driver', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown option '--driver'");
    expect((await cli('secret', 'ls', '--format', 'yaml')).stderr).toContain(
      'only "json" and "table"',
    );
  });

  it('lists secrets as a table, ids only or JSON, never with their data', async () => {
    await cli('secret', 'create', 'db_pw', file('pw', 'hunter2'));
    const id = daemon.fake.secrets[0]?.id ?? '';
    const ls = await cli('secret', 'ls');
    expect(ls.stdout).toMatch(/^ID\s+NAME\s+TYPE\s+SIZE\s+CREATED\s+UPDATED\n/);
    expect(ls.stdout).toMatch(
      new RegExp(`\\n${id}\\s+db_pw\\s+opaque\\s+7B\\s+Less than a second ago`),
    );
    expect((await cli('secret', 'ls', '-q')).stdout).toBe(`${id}\n`);
    const json = JSON.parse((await cli('secret', 'ls', '--format', 'json')).stdout);
    expect(json).toEqual([expect.objectContaining({ id, size: 7 })]);
    expect(JSON.stringify(json)).not.toContain(Buffer.from('hunter2').toString('base64'));
  });

  it('inspects as JSON or --pretty, reporting missing secrets after the output', async () => {
    await cli('secret', 'create', '-l', 'a=1', 'db_pw', file('pw', 'hunter2'));
    const inspect = await cli('secret', 'inspect', 'db_pw', 'nope');
    expect(inspect).toMatchObject({ code: 1, stderr: 'Error: secret nope not found\n' });
    const [view] = JSON.parse(inspect.stdout);
    expect(view).toMatchObject({
      spec: { name: 'db_pw', labels: { a: '1' }, type: 'opaque' },
      size: 7,
    });
    expect(view.spec.data).toBeUndefined();
    const pretty = await cli('secret', 'inspect', '--pretty', 'db_pw');
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(
      /^ID:\s+\w+\nName:\s+db_pw\nLabels:\n - a=1\nType:\s+opaque\nSize:\s+7 bytes\n/,
    );
  });

  it('updates a secret from a file or stdin and says its services roll', async () => {
    await cli('secret', 'create', 'db_pw', file('pw', 'hunter2'));
    const id = daemon.fake.secrets[0]?.id;
    const res = await cli('secret', 'update', 'db_pw', file('pw2', 'correct horse'));
    expect(res).toEqual({
      code: 0,
      stdout: `${id}\n`,
      stderr:
        'Secret "db_pw" updated; services using it are rolling their tasks onto the new value ' +
        "(see 'swarmlet service ps').\n",
    });
    fakeStdin('battery staple');
    expect((await cli('secret', 'update', 'db_pw', '-')).code).toBe(0);
    expect(stored()).toEqual(['battery staple']);
    expect((await cli('secret', 'update', 'nope', file('x', 'x'))).stderr).toBe(
      'Error: secret nope not found\n',
    );
  });

  it('removes secrets, carrying on past missing ones', async () => {
    await cli('secret', 'create', 'a', file('a', 'a'));
    expect(await cli('secret', 'rm', 'a', 'nope')).toEqual({
      code: 1,
      stdout: 'a\n',
      stderr: 'Error: secret nope not found\n',
    });
    expect(daemon.fake.secrets).toHaveLength(0);
  });

  it('service create passes --secret and --config references', async () => {
    const create = vi.spyOn(daemon.fake, 'createService');
    const res = await cli(
      'service',
      'create',
      '-d',
      '--name',
      'web',
      '--secret',
      'db_pw',
      '--secret',
      'source=tls,target=cert.pem,uid=33,gid=33,mode=0400',
      '--config',
      'source=site,target=/etc/nginx/conf.d/site.conf,mode=444',
      'nginx',
    );
    expect(res.code, res.stderr).toBe(0);
    expect(create.mock.calls[0]?.[0].task).toMatchObject({
      secrets: [
        { source: 'db_pw' },
        { source: 'tls', target: 'cert.pem', uid: 33, gid: 33, mode: 0o400 },
      ],
      configs: [{ source: 'site', target: '/etc/nginx/conf.d/site.conf', mode: 0o444 }],
    });
  });

  it('service create rejects bad --secret and --config values', async () => {
    expect(await cli('service', 'create', '--secret', 'source=s,mode=999', 'nginx')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'swarmlet: invalid argument "source=s,mode=999" for "--secret": mode must be an octal ' +
        "file mode, e.g. 0440\nSee 'swarmlet service create --help'.\n",
    });
    const rel = await cli('service', 'create', '--config', 'source=c,target=c.conf', 'nginx');
    expect(rel.stderr).toContain('"--config": target must be an absolute path');
    expect(daemon.fake.services.size).toBe(0);
  });
});
