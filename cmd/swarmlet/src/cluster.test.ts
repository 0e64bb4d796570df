import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, startDaemon, type TestDaemon } from './testing/harness.js';

// `init`, `join`, `join-token`, `leave`, `info` and `token` against the real API over a fake.
let daemon: TestDaemon;
const cli = (...args: string[]) => runCli(daemon.socket, args);

beforeEach(async () => {
  daemon = await startDaemon();
});
afterEach(async () => daemon.close());

describe('swarmlet init', () => {
  beforeEach(async () => {
    await daemon.close();
    daemon = await startDaemon({ initialized: false });
  });

  it('sends the new flags and prints the worker join command', async () => {
    const init = vi.spyOn(daemon.fake, 'init');
    const res = await cli(
      'init',
      '--advertise-addr',
      '10.0.0.1',
      '--listen-addr',
      '0.0.0.0:4242',
      '--cert-expiry',
      '30d',
    );
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(init).toHaveBeenCalledWith({
      advertiseAddr: '10.0.0.1',
      listenAddr: '0.0.0.0:4242',
      certExpiryMs: 30 * 86_400_000,
    });
    expect(res.stdout).toBe(
      'Cluster initialized: current node (n0deaaaaaaaaaaaaaaaaaaaaa) is now a manager.\n\n' +
        'To add a worker to this cluster, run the following command:\n\n' +
        '    swarmlet join --token SWLTKN-1-fake-worker-0 10.0.0.1:4242\n\n' +
        "To add a manager to this cluster, run 'swarmlet join-token manager' and follow the instructions.\n",
    );
  });

  it('reports a forced new cluster without join instructions', async () => {
    const init = vi.spyOn(daemon.fake, 'init');
    const res = await cli('init', '--force-new-cluster');
    expect(init).toHaveBeenCalledWith({ forceNewCluster: true });
    expect(res.stdout).toMatch(
      /^Cluster forced to a new single-manager cluster from this node's state\.\nCluster ID: \w+\n/,
    );
    expect(res.stdout).not.toContain('swarmlet join --token');
  });

  it('rejects a bad flag before asking the daemon', async () => {
    const init = vi.spyOn(daemon.fake, 'init');
    const res = await cli('init', '--cert-expiry', '5s');
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'swarmlet: invalid argument "5s" for "--cert-expiry": must be at least 10s\n' +
        "See 'swarmlet init --help'.\n",
    );
    expect(init).not.toHaveBeenCalled();
  });
});

describe('swarmlet join-token', () => {
  it('prints the join command with the answering manager address', async () => {
    const res = await cli('join-token', 'manager');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toBe(
      'To add a manager to this cluster, run the following command:\n\n' +
        '    swarmlet join --token SWLTKN-1-fake-manager-0 10.0.0.1:4242\n\n',
    );
  });

  it('prints only the token with -q', async () => {
    expect((await cli('join-token', '-q', 'worker')).stdout).toBe('SWLTKN-1-fake-worker-0\n');
  });

  it('rotates first with --rotate, and prints the new token', async () => {
    const res = await cli('join-token', '--rotate', 'worker');
    expect(res.stdout).toBe(
      'Successfully rotated worker join token.\n\n' +
        'To add a worker to this cluster, run the following command:\n\n' +
        '    swarmlet join --token SWLTKN-1-fake-worker-1 10.0.0.1:4242\n\n',
    );
    expect(daemon.swarm.tokens.manager).toBe('SWLTKN-1-fake-manager-0');
    const quiet = await cli('join-token', '--rotate', '--quiet', 'manager');
    expect(quiet.stdout).toBe('SWLTKN-1-fake-manager-2\n');
  });

  it('rejects an unknown role as a usage error', async () => {
    const rotate = vi.spyOn(daemon.swarm, 'rotateJoinToken');
    const res = await cli('join-token', '--rotate', 'admin');
    expect(res).toMatchObject({
      code: 1,
      stderr:
        'swarmlet: unknown role "admin": use worker or manager\n' +
        "See 'swarmlet join-token --help'.\n",
    });
    expect(rotate).not.toHaveBeenCalled();
  });
});

describe('swarmlet join and leave', () => {
  it('joins with the token and addresses, as the role the token admits', async () => {
    const worker = await cli('join', '--token', 'SWLTKN-1-fake-worker-0', '10.0.0.1:4242');
    expect(worker).toMatchObject({ code: 0, stdout: 'This node joined a cluster as a worker.\n' });
    expect(daemon.swarm.joined).toEqual({
      token: 'SWLTKN-1-fake-worker-0',
      remoteAddr: '10.0.0.1:4242',
    });
    const manager = await cli(
      'join',
      '--token',
      'SWLTKN-1-fake-manager-0',
      '--advertise-addr',
      '10.0.0.2',
      '--listen-addr',
      '0.0.0.0:4242',
      '10.0.0.1',
    );
    expect(manager.stdout).toBe('This node joined a cluster as a manager.\n');
    expect(daemon.swarm.joined).toEqual({
      token: 'SWLTKN-1-fake-manager-0',
      remoteAddr: '10.0.0.1',
      advertiseAddr: '10.0.0.2',
      listenAddr: '0.0.0.0:4242',
    });
  });

  it('needs --token and reports a refused token', async () => {
    const missing = await cli('join', '10.0.0.1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("swarmlet: required option '--token <token>' not specified");
    const bad = await cli('join', '--token', 'nope', '10.0.0.1');
    expect(bad).toMatchObject({ code: 1, stderr: 'Error: invalid join token\n' });
  });

  it('leaves, with --force for a manager', async () => {
    const refused = await cli('leave');
    expect(refused).toMatchObject({
      code: 1,
      stderr: 'Error: this node is a manager: demote it first\n',
    });
    const forced = await cli('leave', '-f');
    expect(forced).toMatchObject({ code: 0, stdout: 'Node left the cluster.\n' });
    expect(daemon.swarm.left).toEqual({ force: true });
  });
});

describe('swarmlet info', () => {
  it('shows the node address, leadership and manager addresses', async () => {
    const res = await cli('info');
    expect(res.stdout).toContain('  Is Leader: true\n  Leader: n0deaaaaaaaaaaaaaaaaaaaaa\n');
    expect(res.stdout).toContain(
      '  Node Address: 10.0.0.1:4242\n  Manager Addresses:\n   10.0.0.1:4242\n',
    );
  });
});

describe('swarmlet token', () => {
  it('prints a new token alone on stdout and the note on stderr', async () => {
    const create = vi.spyOn(daemon.swarm, 'createApiToken');
    const res = await cli('token', 'create', '--role', 'readonly', 'ci');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^swlapi_\w{12}_\w{32}\n$/);
    expect(res.stderr).toContain('"ci"');
    expect(res.stderr).toContain('shown only this once');
    expect(create).toHaveBeenCalledWith({ name: 'ci', role: 'readonly' });
  });

  it('lists tokens as a table, ids or JSON, and removes them by id or name', async () => {
    await cli('token', 'create', 'deploy');
    await cli('token', 'create', '--role', 'readonly', 'ci');
    const table = await cli('token', 'ls');
    expect(table.stdout.split('\n')).toEqual([
      expect.stringMatching(/^ID +NAME +ROLE +CREATED$/),
      expect.stringMatching(/^t0ken1a{6} +ci +readonly +Less than a second ago$/),
      expect.stringMatching(/^t0ken0a{6} +deploy +admin +Less than a second ago$/),
      '',
    ]);
    expect((await cli('token', 'ls', '-q')).stdout).toBe('t0ken0aaaaaa\nt0ken1aaaaaa\n');
    const json = JSON.parse((await cli('token', 'ls', '--format', 'json')).stdout);
    expect(json).toHaveLength(2);
    expect(json[0]).not.toHaveProperty('token');
    const rm = await cli('token', 'rm', 'ci', 'nope', 't0ken0aaaaaa');
    expect(rm).toMatchObject({
      code: 1,
      stdout: 'ci\nt0ken0aaaaaa\n',
      stderr: 'Error: token nope not found\n',
    });
    expect(daemon.swarm.apiTokens).toEqual([]);
  });

  it('rejects an unknown role', async () => {
    const res = await cli('token', 'create', '--role', 'root', 'ci');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('for "--role": must be one of admin, readonly');
    expect(daemon.swarm.apiTokens).toEqual([]);
  });
});
