import { describe, expect, it } from 'vitest';
import { buildServiceSpec } from './service-flags.js';
import { parseFileRef } from './file-ref.js';

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
      { secret: ['a', 'source=b,target=bb,mode=400'], config: ['source=c,target=/c.conf'] },
      'web',
    );
    expect(spec.task.secrets).toEqual([
      { source: 'a' },
      { source: 'b', target: 'bb', mode: 0o400 },
    ]);
    expect(spec.task.configs).toEqual([{ source: 'c', target: '/c.conf' }]);
    const plain = buildServiceSpec('img', [], {}, 'web');
    expect(plain.task.secrets).toBeUndefined();
    expect(plain.task.configs).toBeUndefined();
  });
});
