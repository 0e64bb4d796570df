import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { node } from './testing/fixtures.js';
import { runCli, startDaemon, type TestDaemon } from './testing/harness.js';

// `node promote|demote|update|rm` against the real API over FakeControlApi: host-1 (the
// manager the CLI talks to) plus the workers w1 and w2.
let daemon: TestDaemon;
const cli = (...args: string[]) => runCli(daemon.socket, args);
const MANAGER = 'n0deaaaaaaaaaaaaaaaaaaaaa';
const spec = (hostname: string) =>
  daemon.fake.nodes.find((n) => n.description.hostname === hostname)?.spec;

beforeEach(async () => {
  daemon = await startDaemon();
  daemon.fake.nodes.push(
    node('w1aaaaaaaaaaaaaaaaaaaaaaa', 'w1'),
    node('w2aaaaaaaaaaaaaaaaaaaaaaa', 'w2'),
  );
});
afterEach(async () => daemon.close());

describe('swarmlet node promote and demote', () => {
  it('changes roles with docker wording, noting nodes that have the role already', async () => {
    const promote = await cli('node', 'promote', 'w1', 'self');
    expect(promote).toMatchObject({
      code: 0,
      stdout: `Node w1 promoted to a manager in the cluster.\nNode ${MANAGER} is already a manager.\n`,
    });
    expect(spec('w1')?.role).toBe('manager');
    const demote = await cli('node', 'demote', 'w1', 'w2');
    expect(demote.stdout).toBe(
      'Manager w1 demoted in the cluster.\nNode w2 is already a worker.\n',
    );
    expect(spec('w1')?.role).toBe('worker');
  });

  it('carries on past failures and exits 1', async () => {
    const res = await cli('node', 'demote', 'nope', 'self');
    expect(res).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: node nope not found\nError: cannot demote the last manager of the cluster\n',
    });
  });
});

describe('swarmlet node update', () => {
  it('sends availability and labels, and prints the node id', async () => {
    const update = vi.spyOn(daemon.fake, 'updateNode');
    await cli('node', 'update', '--label-add', 'old=1', 'w1');
    const res = await cli(
      'node',
      'update',
      '--availability',
      'drain',
      '--label-add',
      'zone=a',
      '--label-add',
      'ssd',
      '--label-rm',
      'old',
      'w1',
    );
    expect(res).toMatchObject({ code: 0, stdout: 'w1aaaaaaaaaaaaaaaaaaaaaaa\n', stderr: '' });
    expect(update).toHaveBeenLastCalledWith('w1', {
      availability: 'drain',
      labelAdd: { zone: 'a', ssd: '' },
      labelRm: ['old'],
    });
    expect(spec('w1')).toEqual({
      role: 'worker',
      availability: 'drain',
      labels: { zone: 'a', ssd: '' },
    });
    expect((await cli('node', 'update', '--availability', 'pause', 'self')).stdout).toBe(
      `${MANAGER}\n`,
    );
  });

  it('rejects bad values before asking the daemon', async () => {
    const update = vi.spyOn(daemon.fake, 'updateNode');
    const res = await cli('node', 'update', '--availability', 'off', 'w1');
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'swarmlet: invalid argument "off" for "--availability": must be one of active, pause, drain\n' +
        "See 'swarmlet node update --help'.\n",
    );
    expect((await cli('node', 'update', '--label-add', '=x', 'w1')).code).toBe(1);
    expect(update).not.toHaveBeenCalled();
  });
});

describe('swarmlet node rm', () => {
  it('needs --force for a node that is up, and never removes a manager', async () => {
    const refused = await cli('node', 'rm', 'w1');
    expect(refused).toMatchObject({
      code: 1,
      stderr: 'Error: node w1 is still up; use --force to remove it\n',
    });
    const res = await cli('node', 'rm', '-f', 'w1', 'self', 'w2');
    expect(res).toMatchObject({
      code: 1,
      stdout: 'w1\nw2\n',
      stderr: 'Error: node host-1 is a manager of the cluster: demote it first\n',
    });
    expect(daemon.fake.nodes.map((n) => n.description.hostname)).toEqual(['host-1']);
  });
});
