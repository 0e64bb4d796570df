import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';

const COMPOSE = `
services:
  web:
    image: web:\${TAG}
    environment:
      - GREETING=\${GREETING:-hi}
    ports: ["8080:80"]
    networks: [front]
    secrets: [db_pw]
    configs: [{ source: app_conf, target: /etc/app.conf }]
    build: .
    deploy:
      replicas: 2
      labels: { owner: team-a }
  worker:
    image: worker:1
    cap_add: [NET_ADMIN]
networks:
  front: {}
secrets:
  db_pw: { file: ./db_pw.txt }
configs:
  app_conf: { file: ./app.conf }
`;

const NS = 'com.docker.stack.namespace';

describe('swarmlet stack', () => {
  let daemon: TestDaemon;
  let dir: string;
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(daemon.socket, args, { env });
  const deploy = (env: Record<string, string> = { TAG: '1' }, ...extra: string[]) =>
    cli(['stack', 'deploy', '-c', join(dir, 'compose.yml'), ...extra, 'app'], env);
  const services = () => [...daemon.fake.services.values()];
  const versions = () => services().map((s) => `${s.spec.name}@${s.meta.version}`);

  beforeEach(async () => {
    daemon = await startDaemon();
    dir = mkdtempSync(join(tmpdir(), 'swarmlet-stack-'));
    file('compose.yml', COMPOSE);
    file('db_pw.txt', 'pw1');
    file('app.conf', 'level=1\n');
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await daemon.close();
  });

  it('deploys networks, secrets, configs and services with Docker names and labels', async () => {
    const res = await deploy();
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(
      [
        'Creating network app_default',
        'Creating network app_front',
        'Creating secret app_db_pw',
        'Creating config app_app_conf',
        'Creating service app_web',
        'Creating service app_worker',
        '',
      ].join('\n'),
    );
    expect(res.stderr).toBe(
      'warning: ignoring unsupported keys: services.web.build, services.worker.cap_add\n',
    );
    const web = services().find((s) => s.spec.name === 'app_web');
    expect(web?.spec).toMatchObject({
      replicas: 2,
      labels: { owner: 'team-a', [NS]: 'app', 'com.docker.stack.image': 'web:1' },
      task: { container: { image: 'web:1', env: ['GREETING=hi'], labels: { [NS]: 'app' } } },
    });
    expect(daemon.fake.networks.map((n) => [n.spec.name, n.spec.labels[NS]])).toEqual([
      ['app_default', 'app'],
      ['app_front', 'app'],
    ]);
    expect(daemon.fake.secrets.map((s) => [s.spec.name, s.spec.labels[NS], s.spec.data])).toEqual([
      ['app_db_pw', 'app', Buffer.from('pw1').toString('base64')],
    ]);
    expect(daemon.fake.configs[0]?.spec.name).toBe('app_app_conf');
  });

  it('changes nothing on a redeploy of the same files, only the changed service otherwise', async () => {
    expect((await deploy()).code).toBe(0);
    const before = versions();
    const again = await deploy();
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('Stack app is up to date (2 services unchanged)');
    expect(versions()).toEqual(before);
    const changed = await deploy({ TAG: '1', GREETING: 'hello' });
    const webId = services().find((s) => s.spec.name === 'app_web')?.id;
    expect(changed.stdout).toBe(`Updating service app_web (id: ${webId})\n`);
    expect(services().find((s) => s.spec.name === 'app_web')?.spec.task.container.env).toEqual([
      'GREETING=hello',
    ]);
    expect(versions()[1]).toBe(before[1]);
  });

  it('takes variables from .env beside the first file, the environment winning', async () => {
    file('.env', 'TAG=from-dotenv\nGREETING=dotenv\n');
    expect((await deploy({ GREETING: 'env' })).code).toBe(0);
    const web = services().find((s) => s.spec.name === 'app_web');
    expect(web?.spec.task.container.image).toBe('web:from-dotenv');
    expect(web?.spec.task.container.env).toEqual(['GREETING=env']);
  });

  it('merges several -c files in order', async () => {
    const over = file('override.yml', 'services:\n  worker:\n    image: worker:2\n');
    const res = await deploy({ TAG: '1' }, '-c', over);
    expect(res.code, res.stderr).toBe(0);
    const worker = services().find((s) => s.spec.name === 'app_worker');
    expect(worker?.spec.task.container.image).toBe('worker:2');
  });

  it('updates a changed config and a changed secret in place, says so', async () => {
    await deploy();
    file('app.conf', 'level=2\n');
    file('db_pw.txt', 'pw2');
    const res = await deploy();
    expect(res.stdout).toBe(
      'Updating secret app_db_pw (services using it roll their tasks)\nUpdating config app_app_conf\n',
    );
    expect(daemon.fake.configs[0]?.spec.data).toBe(Buffer.from('level=2\n').toString('base64'));
  });

  it('removes services no longer in the files with --prune only', async () => {
    await deploy();
    file('compose.yml', COMPOSE.replace(/ {2}worker:\n.*\n.*\n/, ''));
    expect((await deploy()).stdout).toBe('');
    expect(services()).toHaveLength(2);
    const pruned = await deploy({ TAG: '1' }, '--prune');
    expect(pruned.stdout).toBe('Removing service app_worker\n');
    expect(services().map((s) => s.spec.name)).toEqual(['app_web']);
  });

  it('deploys nothing when a file is invalid or an external object is missing', async () => {
    const missing = await deploy({});
    expect(missing.code).toBe(0); // TAG unset: blank, with a warning
    expect(missing.stderr).toContain('warning: variables not set, used as empty strings: TAG');
    await cli(['stack', 'rm', 'app']);
    file('compose.yml', COMPOSE.replace('"8080:80"', '"8080:99999"'));
    const bad = await deploy();
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toContain(
      'Error: services.web.ports[0]: invalid target port "99999": use 1-65535\n',
    );
    file(
      'compose.yml',
      COMPOSE.replace('  front: {}\n', '  front: {}\n  ext: { external: true }\n').replace(
        '[front]',
        '[front, ext]',
      ),
    );
    const ext = await deploy();
    expect(ext.stderr).toContain(
      'Error: declared as external but not found: network ext (create them first)',
    );
    file('compose.yml', 'services:\n  a:\n    image: "${IMG:?set IMG}"\n');
    expect((await deploy()).stderr).toContain(
      'Error: ' +
        join(dir, 'compose.yml') +
        ': services.a.image: required variable IMG is missing a value: set IMG',
    );
    expect([services(), daemon.fake.networks, daemon.fake.secrets]).toEqual([[], [], []]);
    expect((await cli(['stack', 'deploy', 'app'])).stderr).toContain('at least one compose file');
    const nofile = await cli(['stack', 'deploy', '-c', join(dir, 'nope.yml'), 'app']);
    expect(nofile.stderr).toContain(`cannot read compose file ${join(dir, 'nope.yml')}`);
  });

  it('lists stacks, their services and tasks', async () => {
    await deploy();
    await cli(['stack', 'deploy', '-c', file('b.yml', 'services:\n  x:\n    image: x:1\n'), 'b']);
    const ls = await cli(['stack', 'ls']);
    expect(ls.stdout).toMatch(/^NAME\s+SERVICES\napp\s+2\nb\s+1\n$/);
    expect(JSON.parse((await cli(['stack', 'ls', '--format', 'json'])).stdout)).toEqual([
      { name: 'app', services: 2 },
      { name: 'b', services: 1 },
    ]);
    const svcs = await cli(['stack', 'services', 'app']);
    expect(svcs.stdout).toMatch(/^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE\s+PORTS\n/);
    expect(svcs.stdout).toMatch(/ app_web\s+replicated\s+\d\/2\s+web:1/);
    expect(svcs.stdout).not.toContain('b_x');
    expect((await cli(['stack', 'services', '-q', 'b'])).stdout.trim().split('\n')).toHaveLength(1);
    expect((await cli(['stack', 'services', 'none'])).stderr).toBe(
      'Nothing found in stack: none\n',
    );
    const ps = await cli(['stack', 'ps', 'app']);
    expect(ps.stdout).toMatch(/^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE/);
    expect(ps.stdout.match(/app_web\.\d/g)).toEqual(['app_web.1', 'app_web.2']);
    expect(ps.stdout).toContain('app_worker.1');
    expect(ps.stdout).not.toContain('b_x');
    expect((await cli(['stack', 'ps', '-q', 'app'])).stdout.trim().split('\n')).toHaveLength(3);
    expect(await cli(['stack', 'ps', 'none'])).toMatchObject({
      code: 1,
      stderr: 'Error: nothing found in stack: none\n',
    });
  });

  it('removes a stack: services, then secrets, configs and networks, leaving other stacks', async () => {
    await deploy();
    await cli(['stack', 'deploy', '-c', file('b.yml', 'services:\n  x:\n    image: x:1\n'), 'b']);
    const rm = await cli(['stack', 'rm', 'app', 'none']);
    expect(rm).toEqual({
      code: 0,
      stdout: [
        'Removing service app_web',
        'Removing service app_worker',
        'Removing secret app_db_pw',
        'Removing config app_app_conf',
        'Removing network app_default',
        'Removing network app_front',
        '',
      ].join('\n'),
      stderr: 'Nothing found in stack: none\n',
    });
    expect(services().map((s) => s.spec.name)).toEqual(['b_x']);
    expect(daemon.fake.networks.map((n) => n.spec.name)).toEqual(['b_default']);
    expect([daemon.fake.secrets, daemon.fake.configs]).toEqual([[], []]);
  });
});
