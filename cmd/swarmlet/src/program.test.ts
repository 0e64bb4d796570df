import { SwarmletError } from '@swarmlet/api-types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, startDaemon, type TestDaemon } from './testing/harness.js';

let daemon: TestDaemon;
const cli = (...args: string[]) => runCli(daemon.socket, args);

beforeEach(async () => {
  daemon = await startDaemon({ autoAdvance: true, rejectImage: (i) => i.startsWith('bad') });
});
afterEach(async () => daemon.close());

describe('swarmlet init and info', () => {
  it('initializes a cluster and reports it', async () => {
    await daemon.close();
    daemon = await startDaemon({ initialized: false });
    const before = await cli('info');
    expect(before.stdout).toContain(' Swarm: inactive');
    const init = await cli('init', '--cluster-name', 'prod', '--heartbeat-period', '2s');
    expect(init).toMatchObject({ code: 0, stderr: '' });
    expect(init.stdout).toMatch(
      /^Cluster initialized: current node \(n0de\w+\) is now a manager\.\n/,
    );
    expect(daemon.fake.cluster?.spec).toMatchObject({
      name: 'prod',
      dispatcher: { heartbeatPeriodMs: 2000 },
    });
    const again = await cli('init');
    expect(again).toMatchObject({
      code: 1,
      stderr: 'Error: this node is already part of a cluster\n',
    });
  });

  it('prints info as JSON', async () => {
    const res = await cli('info', '--format', 'json');
    expect(JSON.parse(res.stdout)).toMatchObject({ state: 'active', nodes: 1 });
  });

  it('rejects an unsupported --format', async () => {
    const res = await cli('info', '--format', '{{.ID}}');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('swarmlet: invalid argument "{{.ID}}" for "--format"');
    expect(res.stderr).toContain("See 'swarmlet info --help'.");
  });
});

describe('swarmlet service create', () => {
  it('creates, waits and prints plain progress when stdout is not a TTY', async () => {
    const res = await cli('service', 'create', '--name', 'web', '--replicas', '3', 'nginx');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^[a-z0-9]{25}$/);
    expect(lines).toContain('overall progress: 3 out of 3 tasks');
    expect(lines).toContain(`2/3: running   [${'='.repeat(50)}>]`);
    expect(lines.at(-1)).toBe('verify: Service converged');
    expect(res.stdout).not.toContain('\x1b[');
  });

  it('redraws in place on a TTY', async () => {
    const res = await runCli(daemon.socket, ['service', 'create', '--replicas', '2', 'nginx'], {
      tty: true,
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('\x1b[3A\x1b[J');
    expect(res.stdout).toContain('verify: Service converged');
  });

  it('returns at once with --detach and prints only the id with -q', async () => {
    const detached = await cli('service', 'create', '-d', '--name', 'web', 'nginx');
    expect(detached.stdout).toMatch(/^[a-z0-9]{25}\n$/);
    const quiet = await cli('service', 'create', '-q', '--name', 'api', 'nginx');
    expect(quiet.stdout).toMatch(/^[a-z0-9]{25}\n$/);
    expect(daemon.fake.tasks.size).toBeGreaterThan(1);
  });

  it('sends flags and positional args as the spec', async () => {
    const spy = vi.spyOn(daemon.fake, 'createService');
    await cli(
      'service',
      'create',
      '-d',
      '--name',
      'web',
      '--limit-memory',
      '64M',
      '-e',
      'A=1',
      '--env',
      'B=2',
      '--restart-delay',
      '1m30s',
      '--entrypoint',
      'sh -c',
      'alpine',
      'echo',
      '-n',
      'hi',
    );
    expect(spy.mock.calls[0]?.[0]).toEqual({
      name: 'web',
      task: {
        container: {
          image: 'alpine',
          command: ['sh', '-c'],
          args: ['echo', '-n', 'hi'],
          env: ['A=1', 'B=2'],
        },
        resources: { limits: { memoryBytes: 64 * 1024 ** 2 } },
        restartPolicy: { delayMs: 90_000 },
      },
    });
  });

  it('names unnamed services like docker', async () => {
    await cli('service', 'create', '-d', 'nginx');
    expect([...daemon.fake.services.values()][0]?.spec.name).toMatch(/^[a-z]+_[a-z]+$/);
  });

  it('fails with the flag and value for a bad duration, before creating anything', async () => {
    const res = await cli('service', 'create', '--restart-delay', '5x', 'nginx');
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'swarmlet: invalid argument "5x" for "--restart-delay": time: unknown unit "x" in duration "5x"\n' +
        "See 'swarmlet service create --help'.\n",
    );
    expect(daemon.fake.services.size).toBe(0);
  });

  it('names an unknown flag', async () => {
    const res = await cli('service', 'create', '--replica', '3', 'nginx');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("swarmlet: unknown option '--replica'");
  });

  it('shows task errors and gives up after --timeout', async () => {
    const res = await cli('service', 'create', '--name', 'web', '--timeout', '300ms', 'bad:1');
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/1\/1: \w+ +\[=*> *\] No such image: bad:1/);
    expect(res.stderr).toContain(
      'Error: service web did not converge within 300ms: 0 out of 1 tasks running',
    );
    expect(res.stderr).toContain('task errors: No such image: bad:1');
  });

  it('stops waiting on Ctrl-C with exit status 130', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const res = await runCli(daemon.socket, ['service', 'create', '--name', 'web', 'bad:1'], {
      signal: ctl.signal,
    });
    expect(res.code).toBe(130);
    expect(res.stderr).toContain('Operation continuing in background.');
  });

  it('reports server-side errors as Error: <message>', async () => {
    await cli('service', 'create', '-d', '--name', 'web', 'nginx');
    const res = await cli('service', 'create', '-d', '--name', 'web', 'nginx');
    expect(res).toMatchObject({ code: 1, stderr: 'Error: service web already exists\n' });
  });
});

describe('swarmlet service ls, ps, inspect', () => {
  beforeEach(async () => {
    await cli('service', 'create', '--name', 'web', '--replicas', '2', 'nginx:1.27');
  });

  it('lists services as a table, ids and JSON', async () => {
    const table = await cli('service', 'ls');
    expect(table.stdout).toMatch(
      /^ID {13}NAME {6}MODE {9}REPLICAS {3}IMAGE {8}PORTS\n[a-z0-9]{12} {3}web {7}replicated {3}2\/2 {8}nginx:1.27\n$/,
    );
    const ids = await cli('service', 'ls', '-q');
    expect(ids.stdout).toMatch(/^[a-z0-9]{12}\n$/);
    const json = JSON.parse((await cli('service', 'ls', '--format', 'json')).stdout);
    expect(json[0].serviceStatus).toEqual({ runningTasks: 2, desiredTasks: 2 });
  });

  it('lists tasks with hostnames and humanized states, and filters', async () => {
    const res = await cli('service', 'ps', 'web');
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +IMAGE +NODE +DESIRED STATE +CURRENT STATE +ERROR$/);
    expect(lines[1]).toMatch(
      /^[a-z0-9]{12} +web\.1 +nginx:1\.27 +host-1 +Running +Running (less than a second|\d+ seconds?) ago$/,
    );
    expect(lines).toHaveLength(3);
    await cli('service', 'scale', 'web=1');
    const all = await cli('service', 'ps', '--no-trunc', 'web');
    expect(all.stdout).toMatch(/[a-z0-9]{25} +web\.2 +nginx:1\.27 +host-1 +Shutdown/);
    const running = await cli('service', 'ps', '-f', 'desired-state=running', '-q', 'web');
    expect(running.stdout.trimEnd().split('\n')).toHaveLength(1);
    const json = JSON.parse((await cli('service', 'ps', '--format', 'json', 'web')).stdout);
    expect(json).toHaveLength(2);
  });

  it('fails for an unknown service', async () => {
    const res = await cli('service', 'ps', 'nope');
    expect(res).toMatchObject({ code: 1, stderr: 'Error: service nope not found\n' });
  });

  it('inspects as a JSON array, or pretty, and reports missing ones', async () => {
    const res = await cli('service', 'inspect', 'web', 'nope');
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toHaveLength(1);
    expect(res.stdout).toContain('\n    {\n        "id"');
    expect(res.stderr).toBe('Error: service nope not found\n');
    const pretty = await cli('service', 'inspect', '--pretty', 'web');
    expect(pretty.stdout).toContain('Name:           web\n');
  });
});

describe('swarmlet service scale, update, rm', () => {
  beforeEach(async () => {
    await cli('service', 'create', '-d', '--name', 'web', 'nginx');
    await cli('service', 'create', '-d', '--name', 'api', 'nginx');
  });

  it('scales several services and waits for each', async () => {
    const res = await cli('service', 'scale', 'web=3', 'api=0');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('web scaled to 3\n');
    expect(res.stdout).toContain('api scaled to 0\n');
    expect(res.stdout.match(/verify: Service converged/g)).toHaveLength(2);
  });

  it('scales with --detach and rejects bad specifiers before doing anything', async () => {
    expect((await cli('service', 'scale', '-d', 'web=2')).stdout).toBe('web scaled to 2\n');
    const bad = await cli('service', 'scale', 'web=2', 'api');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('swarmlet: invalid scale specifier "api"');
    expect(
      [...daemon.fake.services.values()].find((s) => s.spec.name === 'web')?.spec.replicas,
    ).toBe(2);
  });

  it('updates image, env and replicas with the version read, retrying on CONFLICT', async () => {
    const update = vi.spyOn(daemon.fake, 'updateService');
    update.mockRejectedValueOnce(new SwarmletError('CONFLICT', 'changed'));
    const res = await cli(
      'service',
      'update',
      '--image',
      'nginx:2',
      '--env-add',
      'A=1',
      '--replicas',
      '2',
      '--force',
      'web',
    );
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout.startsWith('web\n')).toBe(true);
    expect(update).toHaveBeenCalledTimes(2);
    const spec = update.mock.calls[1]?.[1].spec;
    expect(spec).toMatchObject({
      replicas: 2,
      task: { container: { image: 'nginx:2', env: ['A=1'] }, forceUpdate: 1 },
    });
    expect(update.mock.calls[1]?.[1].version).toBeTypeOf('number');
  });

  it('removes services, continuing past missing ones', async () => {
    const res = await cli('service', 'rm', 'web', 'nope', 'api');
    expect(res).toMatchObject({
      code: 1,
      stdout: 'web\napi\n',
      stderr: 'Error: service nope not found\n',
    });
    expect(daemon.fake.services.size).toBe(0);
  });
});

describe('swarmlet node', () => {
  it('lists nodes with * on the current one', async () => {
    const res = await cli('node', 'ls');
    expect(res.stdout.split('\n')[1]).toMatch(
      /^n0de\w{21} \* +host-1 +Ready +Active +Leader +27\.0\.3$/,
    );
    expect((await cli('node', 'ls', '-q')).stdout).toMatch(/^n0de\w{21}\n$/);
  });

  it('inspects by hostname and self', async () => {
    const res = await cli('node', 'inspect', 'self', 'host-1');
    const nodes = JSON.parse(res.stdout);
    expect(nodes).toHaveLength(2);
    expect(nodes[0].id).toBe(nodes[1].id);
    expect((await cli('node', 'inspect', '--pretty', 'self')).stdout).toContain(
      'Hostname:             host-1',
    );
  });
});

describe('reaching the daemon', () => {
  it('says how to fix a missing socket', async () => {
    const res = await runCli('/nonexistent/swarmlet.sock', ['service', 'ls']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /^Error: cannot reach the swarmlet daemon at unix:\/\/\/nonexistent\/swarmlet\.sock: is swarmletd running\?/,
    );
  });

  it('prefers --host over SWARMLET_SOCKET', async () => {
    const res = await runCli(daemon.socket, [
      '--host',
      `unix://${daemon.socket}`,
      'node',
      'ls',
      '-q',
    ]);
    expect(res.code).toBe(0);
    const wrong = await runCli(daemon.socket, ['--host', 'tcp://127.0.0.1:1', 'node', 'ls']);
    expect(wrong.stderr).toContain('cannot reach the swarmlet daemon at https://127.0.0.1:1');
  });

  it('prints help and the version with exit status 0', async () => {
    const help = await cli('service', 'create', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: swarmlet service create [options] <image> [command...]');
    expect((await cli('--version')).stdout).toBe('0.1.0\n');
  });
});
