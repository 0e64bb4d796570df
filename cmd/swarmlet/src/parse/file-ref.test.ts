import type { FileReference } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { buildServiceSpec } from './service-flags.js';
import { parseFileRef, updateFileRefs } from './file-ref.js';

describe('parseFileRef', () => {
  it('takes a bare name as the source and leaves the rest to the manager', () => {
    expect(parseFileRef('--secret', 'db_pw')).toEqual({ source: 'db_pw' });
  });

  it('parses the long form, with src for source and octal modes', () => {
    expect(parseFileRef('--secret', 'source=db_pw,target=pw,uid=10,gid=20,mode=0400')).toEqual({
      source: 'db_pw',
      target: 'pw',
      uid: 10,
      gid: 20,
      mode: 0o400,
    });
    expect(parseFileRef('--config', 'src=nginx.conf,target=/etc/nginx/nginx.conf')).toEqual({
      source: 'nginx.conf',
      target: '/etc/nginx/nginx.conf',
    });
  });

  it.each([
    ['0440', 0o440],
    ['440', 0o440],
    ['0o755', 0o755],
    ['0', 0],
    ['07777', 0o7777],
  ])('reads mode=%s as octal', (mode, want) => {
    expect(parseFileRef('--secret', `source=s,mode=${mode}`).mode).toBe(want);
  });

  it.each([
    ['--secret', '', 'a name is required'],
    ['--secret', 'target=x', 'source= is required'],
    ['--secret', 'source=s,mode=0800', 'mode must be an octal file mode, e.g. 0440'],
    ['--secret', 'source=s,mode=17777', 'mode must be an octal file mode'],
    ['--secret', 'source=s,mode=rw', 'mode must be an octal file mode'],
    ['--secret', 'source=s,uid=-1', 'uid must be a non-negative integer'],
    ['--secret', 'source=s,gid=x', 'gid must be a non-negative integer'],
    ['--secret', 'source=s,target=', 'target must not be empty'],
    ['--secret', 'source=s,owner=1', 'unknown field "owner"'],
    ['--secret', 'source=s,ro', 'invalid field "ro": must be key=value'],
    ['--config', 'source=c,target=etc/c.conf', 'target must be an absolute path'],
  ] as const)('%s %j fails: %s', (flag, raw, why) => {
    expect(() => parseFileRef(flag, raw)).toThrow(
      `invalid argument "${raw}" for "${flag}": ${why}`,
    );
  });
});

describe('service create --secret/--config', () => {
  it('maps repeated flags onto the task, and only when given', () => {
    const spec = buildServiceSpec(
      'img',
      [],
      {
        secret: ['a', 'source=b,target=bb,mode=400'],
        config: ['source=c,target=/c.conf', 'source=d,restart=true'],
      },
      'web',
    );
    expect(spec.task.secrets).toEqual([
      { source: 'a' },
      { source: 'b', target: 'bb', mode: 0o400 },
    ]);
    expect(spec.task.configs).toEqual([
      { source: 'c', target: '/c.conf' },
      { source: 'd', restart: true },
    ]);
    const plain = buildServiceSpec('img', [], {}, 'web');
    expect(plain.task.secrets).toBeUndefined();
    expect(plain.task.configs).toBeUndefined();
  });
});

describe('restart= on configs', () => {
  it('passes restart=true through and leaves restart=false out', () => {
    expect(parseFileRef('--config', 'source=c,restart=true')).toEqual({
      source: 'c',
      restart: true,
    });
    expect(parseFileRef('--config-add', 'source=c,restart=false')).toEqual({ source: 'c' });
    expect(parseFileRef('--config', 'source=c,restart=true,restart=false')).toEqual({
      source: 'c',
    });
  });

  it.each([
    ['--secret', 'source=s,restart=true', 'restart= applies only to configs'],
    ['--secret-add', 'source=s,restart=false', 'restart= applies only to configs'],
    ['--config', 'source=c,restart=yes', 'restart must be true or false'],
    ['--config-add', 'source=c,restart=', 'restart must be true or false'],
    ['--config-add', 'source=c,target=c.conf', 'target must be an absolute path'],
  ] as const)('%s %j fails: %s', (flag, raw, why) => {
    expect(() => parseFileRef(flag, raw)).toThrow(
      `invalid argument "${raw}" for "${flag}": ${why}`,
    );
  });
});

describe('updateFileRefs', () => {
  const ref = (name: string, target: string): FileReference => ({
    id: `id-${name}`,
    name,
    target,
    uid: 0,
    gid: 0,
    mode: 0o444,
  });
  const secrets = [ref('db_pw', 'db_pw'), ref('api_key', 'key')];
  const configs = [ref('nginx.conf', '/etc/nginx/nginx.conf'), ref('app.ini', '/app.ini')];

  it('removes by name or target, then appends, keeping the rest as read', () => {
    const next = updateFileRefs('secret', 'web', secrets, {
      add: [{ source: 'tls' }, { source: 'db_pw', target: 'pw' }],
      rm: ['db_pw'],
    });
    expect(next).toEqual([secrets[1], { source: 'tls' }, { source: 'db_pw', target: 'pw' }]);
    expect(updateFileRefs('secret', 'web', secrets, { add: [], rm: ['key'] })).toEqual([
      secrets[0],
    ]);
    expect(updateFileRefs('secret', 'web', secrets, { add: [], rm: ['/run/secrets/key'] })).toEqual(
      [secrets[0]],
    );
    expect(
      updateFileRefs('config', 'web', configs, { add: [], rm: ['/etc/nginx/nginx.conf'] }),
    ).toEqual([configs[1]]);
    expect(secrets).toHaveLength(2);
  });

  it('names a removal that matches nothing', () => {
    expect(() => updateFileRefs('config', 'web', configs, { add: [], rm: ['nope'] })).toThrow(
      'config nope is not used by service web',
    );
    expect(() => updateFileRefs('secret', 'web', [], { add: [], rm: ['x'] })).toThrow(
      expect.objectContaining({
        code: 'NOT_FOUND',
        message: 'secret x is not used by service web',
      }),
    );
  });

  it.each([
    ['secret', { source: 'other', target: 'key' }, 'secret target key'],
    ['secret', { source: 'db_pw' }, 'secret target db_pw'],
    ['config', { source: 'app.ini' }, 'config target /app.ini'],
    [
      'config',
      { source: 'x', target: '/etc/nginx/nginx.conf' },
      'config target /etc/nginx/nginx.conf',
    ],
  ] as const)('refuses a %s whose target is taken: %j', (kind, add, what) => {
    const current = kind === 'secret' ? secrets : configs;
    expect(() => updateFileRefs(kind, 'web', current, { add: [add], rm: [] })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: `${what} is already used by service web`,
      }),
    );
  });

  it('refuses two additions with one target, and frees a removed target', () => {
    const add = [
      { source: 'a', target: '/c' },
      { source: 'b', target: '/c' },
    ];
    expect(() => updateFileRefs('config', 'web', [], { add, rm: [] })).toThrow(
      'config target /c is already used by service web',
    );
    expect(
      updateFileRefs('config', 'web', configs, { add: [{ source: 'app.ini' }], rm: ['app.ini'] }),
    ).toEqual([configs[0], { source: 'app.ini' }]);
  });
});
