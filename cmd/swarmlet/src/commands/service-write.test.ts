import { SwarmletError, type FileReference, type Service } from '@swarmlet/api-types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';

const ref = (name: string, target: string, restart?: boolean): FileReference => ({
  id: `id-${name}`,
  name,
  target,
  uid: 0,
  gid: 0,
  mode: 0o444,
  ...(restart === undefined ? {} : { restart }),
});

describe('swarmlet service update --secret-*/--config-*', () => {
  let daemon: TestDaemon;
  const cli = (...args: string[]) => runCli(daemon.socket, args);
  const web = (): Service => {
    const s = [...daemon.fake.services.values()].find((x) => x.spec.name === 'web');
    if (!s) throw new Error('no service web');
    return s;
  };
  const secrets = [ref('db_pw', 'db_pw'), ref('api_key', 'key')];
  const configs = [ref('nginx.conf', '/etc/nginx/nginx.conf', true), ref('app.ini', '/app.ini')];

  beforeEach(async () => {
    daemon = await startDaemon();
    await cli('service', 'create', '-d', '--name', 'web', 'nginx');
    // The fake control API does not resolve references: give the stored spec some to edit.
    web().spec.task.secrets = structuredClone(secrets);
    web().spec.task.configs = structuredClone(configs);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await daemon.close();
  });

  it('sends the edited lists with the version read, and waits like other updates', async () => {
    const update = vi.spyOn(daemon.fake, 'updateService');
    const version = web().meta.version;
    const res = await cli(
      'service',
      'update',
      '--secret-rm',
      'db_pw',
      '--secret-add',
      'tls',
      '--secret-add',
      'source=db_pw,target=pw,mode=0400',
      '--config-rm',
      '/app.ini',
      '--config-add',
      'source=app.ini,target=/etc/app.ini,restart=true',
      'web',
    );
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout.startsWith('web\n')).toBe(true);
    expect(res.stdout).toContain('verify: Service converged');
    expect(update).toHaveBeenCalledTimes(1);
    const req = update.mock.calls[0]?.[1];
    expect(req?.version).toBe(version);
    expect(req?.spec.task.secrets).toEqual([
      secrets[1],
      { source: 'tls' },
      { source: 'db_pw', target: 'pw', mode: 0o400 },
    ]);
    expect(req?.spec.task.configs).toEqual([
      configs[0],
      { source: 'app.ini', target: '/etc/app.ini', restart: true },
    ]);
  });

  it('leaves a list no flag names as read, and re-reads on CONFLICT', async () => {
    const update = vi.spyOn(daemon.fake, 'updateService');
    update.mockRejectedValueOnce(new SwarmletError('CONFLICT', 'changed'));
    const res = await cli('service', 'update', '-d', '--config-rm', 'nginx.conf', 'web');
    expect(res).toEqual({ code: 0, stdout: 'web\n', stderr: '' });
    expect(update).toHaveBeenCalledTimes(2);
    expect(update.mock.calls[1]?.[1].spec.task).toMatchObject({ secrets, configs: [configs[1]] });
  });

  it('names a removal that matches nothing and sends nothing', async () => {
    const update = vi.spyOn(daemon.fake, 'updateService');
    const res = await cli(
      'service',
      'update',
      '--secret-rm',
      'api_key',
      '--secret-rm',
      'nope',
      'web',
    );
    expect(res).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error: secret nope is not used by service web\n',
    });
    expect(update).not.toHaveBeenCalled();
  });

  it('refuses an addition whose target is taken', async () => {
    const update = vi.spyOn(daemon.fake, 'updateService');
    const res = await cli('service', 'update', '--config-add', 'source=x,target=/app.ini', 'web');
    expect(res.stderr).toBe('Error: config target /app.ini is already used by service web\n');
    const dup = await cli('service', 'update', '--secret-add', 'source=other,target=key', 'web');
    expect(dup.stderr).toBe('Error: secret target key is already used by service web\n');
    expect(update).not.toHaveBeenCalled();
  });

  it('refuses restart= on a secret as a usage error before reading the service', async () => {
    const get = vi.spyOn(daemon.fake, 'getService');
    const res = await cli('service', 'update', '--secret-add', 'source=s,restart=true', 'web');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'swarmlet: invalid argument "source=s,restart=true" for "--secret-add": restart= applies only to configs',
    );
    expect(res.stderr).toContain("See 'swarmlet service update --help'.");
    expect(get).not.toHaveBeenCalled();
  });
});
