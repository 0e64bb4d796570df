import { describe, expect, it } from 'vitest';
import { randomName } from './names.js';
import { buildServiceSpec, type CreateFlags } from './service-flags.js';

function build(flags: CreateFlags, args: string[] = []) {
  return buildServiceSpec('nginx:1.27', args, flags, 'web');
}

describe('buildServiceSpec', () => {
  it('sends only the name and image when no flag is given', () => {
    expect(build({})).toEqual({ name: 'web', task: { container: { image: 'nginx:1.27' } } });
  });

  it('maps every flag to its spec field', () => {
    const spec = build(
      {
        mode: 'replicated',
        replicas: '3',
        env: ['A=1', 'B=2'],
        label: ['tier=front'],
        containerLabel: ['c=1'],
        limitCpu: '0.5',
        limitMemory: '64M',
        reserveCpu: '0.25',
        reserveMemory: '32m',
        restartCondition: 'on-failure',
        restartDelay: '5s',
        restartMaxAttempts: '3',
        restartWindow: '1m',
        stopGracePeriod: '1m30s',
        workdir: '/app',
        user: 'nobody',
        entrypoint: 'sh -c',
      },
      ['echo hi'],
    );
    expect(spec).toEqual({
      name: 'web',
      mode: 'replicated',
      replicas: 3,
      labels: { tier: 'front' },
      task: {
        container: {
          image: 'nginx:1.27',
          command: ['sh', '-c'],
          args: ['echo hi'],
          env: ['A=1', 'B=2'],
          labels: { c: '1' },
          workdir: '/app',
          user: 'nobody',
          stopGracePeriodMs: 90_000,
        },
        resources: {
          limits: { nanoCpus: 500_000_000, memoryBytes: 64 * 1024 ** 2 },
          reservations: { nanoCpus: 250_000_000, memoryBytes: 32 * 1024 ** 2 },
        },
        restartPolicy: { condition: 'on-failure', delayMs: 5000, maxAttempts: 3, windowMs: 60_000 },
      },
    });
  });

  it('puts positional COMMAND ARG... in args, not command', () => {
    const spec = build({}, ['nginx', '-g', 'daemon off;']);
    expect(spec.task.container.args).toEqual(['nginx', '-g', 'daemon off;']);
    expect(spec.task.container.command).toBeUndefined();
  });

  it.each([
    [
      { restartDelay: '5x' },
      'invalid argument "5x" for "--restart-delay": time: unknown unit "x" in duration "5x"',
    ],
    [
      { stopGracePeriod: '10' },
      'invalid argument "10" for "--stop-grace-period": time: missing unit',
    ],
    [{ limitMemory: '64X' }, `invalid argument "64X" for "--limit-memory": invalid size: '64X'`],
    [{ limitCpu: 'lots' }, 'invalid argument "lots" for "--limit-cpu"'],
    [{ replicas: '-1' }, 'invalid argument "-1" for "--replicas": must be a non-negative integer'],
    [
      { restartCondition: 'always' },
      'invalid argument "always" for "--restart-condition": must be one of any, on-failure, none',
    ],
    [{ mode: 'daemonset' }, 'invalid argument "daemonset" for "--mode"'],
    [{ entrypoint: '"sh' }, 'invalid argument ""sh" for "--entrypoint": unterminated quote'],
    [{ env: ['=x'] }, 'invalid argument "=x" for "--env"'],
  ] as [CreateFlags, string][])('rejects %j', (flags, message) => {
    expect(() => build(flags)).toThrow(message);
  });
});

describe('randomName', () => {
  it('builds adjective_scientist names', () => {
    expect(randomName(() => 0)).toBe('brave_babbage');
    expect(randomName(() => 0.999)).toMatch(/^[a-z]+_[a-z]+$/);
  });
});
