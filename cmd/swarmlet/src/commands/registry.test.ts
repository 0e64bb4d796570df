import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';
import { autolockFlag, unlockKeyMessage } from './autolock.js';
import { dockerCredential } from './registry.js';

function fakeStdin(text: string): void {
  const stream = Readable.from([Buffer.from(text)]);
  vi.spyOn(process, 'stdin', 'get').mockReturnValue(stream as unknown as typeof process.stdin);
}

describe('swarmlet registry', () => {
  let daemon: TestDaemon;
  const cli = (...args: string[]) => runCli(daemon.socket, args);
  const creds = () =>
    daemon.fake.secrets.map((s) => [
      s.spec.name,
      s.spec.type,
      JSON.parse(Buffer.from(s.spec.data, 'base64').toString()) as unknown,
    ]);

  beforeEach(async () => {
    daemon = await startDaemon();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await daemon.close();
  });

  it('login stores the credential as a registry secret, and again replaces it', async () => {
    fakeStdin('pw-1\n');
    const res = await cli('registry', 'login', '-u', 'bob', '--password-stdin', '127.0.0.1:5000');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Credentials for 127.0.0.1:5000 stored');
    fakeStdin('pw-2\n');
    await cli('registry', 'login', '-u', 'bob', '--password-stdin', '127.0.0.1:5000');
    expect(creds()).toEqual([
      [
        'registry-127.0.0.1_5000',
        'registry',
        { server: '127.0.0.1:5000', username: 'bob', password: 'pw-2' },
      ],
    ]);
    const ls = await cli('registry', 'ls');
    expect(ls.stdout).not.toContain('pw-2');
    const rm = await cli('registry', 'rm', '127.0.0.1:5000');
    expect(rm.code, rm.stderr).toBe(0);
    expect(creds()).toEqual([]);
  });

  it('refuses a login without --password-stdin or with a path as server', async () => {
    const a = await cli('registry', 'login', '-u', 'bob', 'reg.example.test');
    expect(a.code).not.toBe(0);
    expect(a.stderr).toContain('--password-stdin');
    fakeStdin('pw\n');
    const b = await cli('registry', 'login', '-u', 'bob', '--password-stdin', 'https:// ');
    expect(b.stderr).toContain('is not a registry host');
    expect(creds()).toEqual([]);
    // docker login spellings name the host images use.
    fakeStdin('pw\n');
    await cli('registry', 'login', '-u', 'bob', '--password-stdin', 'https://index.docker.io/v1/');
    expect(creds().map((c) => c[0])).toEqual(['registry-docker.io']);
  });
});

describe('--with-registry-auth reads the user docker config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'swarmlet-dockercfg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the auths entry of the server, and says what to do without one', async () => {
    const auth = Buffer.from('alice:s3:cret').toString('base64');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { 'reg.test:5000': { auth } } }),
    );
    expect(await dockerCredential({ DOCKER_CONFIG: dir }, 'reg.test:5000')).toEqual({
      server: 'reg.test:5000',
      username: 'alice',
      password: 's3:cret',
    });
    await expect(dockerCredential({ DOCKER_CONFIG: dir }, 'other.test')).rejects.toThrow(
      /no credential for other.test .*swarmlet registry login other.test/,
    );
  });
});

describe('autolock commands', () => {
  let daemon: TestDaemon;
  const cli = (...args: string[]) => runCli(daemon.socket, args);
  beforeEach(async () => {
    daemon = await startDaemon();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await daemon.close();
  });

  it('update --autolock=true prints the key; unlock-key -q and --rotate; unlock reads stdin', async () => {
    expect(() => autolockFlag('yes')).toThrow('use true or false');
    const on = await cli('update', '--autolock=true');
    expect(on.code, on.stderr).toBe(0);
    const key = daemon.swarm.unlockKeyValue ?? '';
    expect(on.stdout).toBe(`${unlockKeyMessage(key)}\n`);
    expect((await cli('unlock-key', '-q')).stdout).toBe(`${key}\n`);
    const rotated = await cli('unlock-key', '--rotate', '-q');
    expect(rotated.stdout.trim()).not.toBe(key);
    daemon.swarm.locked = true;
    fakeStdin('wrong\n');
    const bad = await cli('unlock');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not the right one');
    fakeStdin(`${rotated.stdout.trim()}\n`);
    const good = await cli('unlock');
    expect(good.stdout).toBe('Manager unlocked.\n');
    const off = await cli('update', '--autolock=false');
    expect(off.stdout).toContain('Autolock is off');
  });
});
