import { DEFAULT_UPDATE_CONFIG } from '../orchestrator/update.js';
import { describe, expect, it } from 'vitest';
import { isSwarmletError, type ServiceSpecInput } from '@swarmlet/api-types';
import { SPEC_DEFAULTS, normalizeServiceSpec } from './spec.js';

const minimal = (): ServiceSpecInput => ({
  name: 'web',
  task: { container: { image: 'busybox' } },
});

type Patch = (s: ServiceSpecInput) => void;

function fieldOf(patch: Patch): unknown {
  const input = minimal();
  patch(input);
  try {
    normalizeServiceSpec(input);
  } catch (err) {
    if (!isSwarmletError(err, 'INVALID_ARGUMENT')) throw err;
    return err.details?.['field'];
  }
  return undefined;
}

const container = (s: ServiceSpecInput) => s.task.container;

describe('normalizeServiceSpec: defaults', () => {
  it('fills every default from a minimal spec', () => {
    expect(normalizeServiceSpec(minimal())).toEqual({
      name: 'web',
      labels: {},
      mode: 'replicated',
      replicas: 1,
      task: {
        container: {
          image: 'busybox',
          command: [],
          args: [],
          env: [],
          labels: {},
          workdir: '',
          user: '',
          stopGracePeriodMs: 10_000,
        },
        resources: {
          limits: { nanoCpus: 0, memoryBytes: 0 },
          reservations: { nanoCpus: 0, memoryBytes: 0 },
        },
        restartPolicy: {
          condition: 'any',
          delayMs: SPEC_DEFAULTS.restartDelayMs,
          maxAttempts: 0,
          windowMs: 0,
        },
        forceUpdate: 0,
      },
      updateConfig: DEFAULT_UPDATE_CONFIG,
      rollbackConfig: DEFAULT_UPDATE_CONFIG,
    });
    expect(DEFAULT_UPDATE_CONFIG).toEqual({
      parallelism: 1,
      delayMs: 0,
      order: 'stop-first',
      failureAction: 'pause',
      monitorMs: 5_000,
      maxFailureRatio: 0,
    });
    expect(SPEC_DEFAULTS).toEqual({ stopGracePeriodMs: 10_000, restartDelayMs: 5_000 });
  });

  it('keeps every given value', () => {
    const input: ServiceSpecInput = {
      name: 'api_v2-prod',
      labels: { team: 'a' },
      mode: 'replicated',
      replicas: 0,
      task: {
        container: {
          image: 'registry.example.com:5000/team/api:v2@sha256:abc',
          command: ['/bin/sh'],
          args: ['-c', 'true'],
          env: ['A=1', 'B=', 'C=x=y'],
          labels: { l: 'v' },
          workdir: '/app',
          user: 'nobody',
          stopGracePeriodMs: 0,
        },
        resources: {
          limits: { nanoCpus: 5e8, memoryBytes: 6 * 1024 * 1024 },
          reservations: { nanoCpus: 1, memoryBytes: 1 },
        },
        restartPolicy: { condition: 'on-failure', delayMs: 0, maxAttempts: 3, windowMs: 60_000 },
        forceUpdate: 2,
      },
      updateConfig: {
        parallelism: 0,
        delayMs: 10,
        order: 'start-first',
        failureAction: 'rollback',
        monitorMs: 0,
        maxFailureRatio: 0.25,
      },
      rollbackConfig: {
        parallelism: 3,
        delayMs: 1,
        order: 'stop-first',
        failureAction: 'continue',
        monitorMs: 7,
        maxFailureRatio: 1,
      },
    };
    const spec = normalizeServiceSpec(input);
    expect(spec).toEqual({
      ...input,
      task: {
        ...input.task,
        resources: input.task.resources,
        restartPolicy: input.task.restartPolicy,
      },
    });
  });

  it('global: no replicas; a partial update config is filled from the defaults', () => {
    const spec = normalizeServiceSpec({
      ...minimal(),
      mode: 'global',
      updateConfig: { parallelism: 2, order: 'start-first' },
    });
    expect(spec.mode).toBe('global');
    expect(spec.replicas).toBe(0);
    expect(spec.updateConfig).toEqual({
      ...DEFAULT_UPDATE_CONFIG,
      parallelism: 2,
      order: 'start-first',
    });
  });

  it('jobs: on-failure with a backoff limit of 6 by default, no update configs', () => {
    const spec = normalizeServiceSpec({
      ...minimal(),
      mode: 'replicated-job',
      replicas: 10,
      maxConcurrent: 3,
    });
    expect(spec).toMatchObject({ mode: 'replicated-job', replicas: 10, maxConcurrent: 3 });
    expect(spec.task.restartPolicy).toMatchObject({ condition: 'on-failure', maxAttempts: 6 });
    expect(spec.updateConfig).toBeUndefined();
    const given = normalizeServiceSpec({
      ...minimal(),
      mode: 'global-job',
      task: { ...minimal().task, restartPolicy: { condition: 'none', maxAttempts: 1 } },
    });
    expect(given.task.restartPolicy).toMatchObject({ condition: 'none', maxAttempts: 1 });
  });

  it('fills a partial restart policy and partial resources', () => {
    const input = minimal();
    input.task.restartPolicy = { maxAttempts: 2 };
    input.task.resources = { reservations: { memoryBytes: 10 } };
    const spec = normalizeServiceSpec(input);
    expect(spec.task.restartPolicy).toEqual({
      condition: 'any',
      delayMs: 5_000,
      maxAttempts: 2,
      windowMs: 0,
    });
    expect(spec.task.resources).toEqual({
      limits: { nanoCpus: 0, memoryBytes: 0 },
      reservations: { nanoCpus: 0, memoryBytes: 10 },
    });
  });

  it('copies arrays and labels instead of sharing them with the input', () => {
    const input = minimal();
    input.labels = { a: 'b' };
    input.task.container.env = ['A=1'];
    const spec = normalizeServiceSpec(input);
    input.labels['c'] = 'd';
    input.task.container.env.push('B=2');
    expect(spec.labels).toEqual({ a: 'b' });
    expect(spec.task.container.env).toEqual(['A=1']);
  });

  it.each([['a'], ['A1'], ['x'.repeat(63)], ['a-b_c'], ['0web']])('accepts the name %s', (name) => {
    expect(fieldOf((s) => (s.name = name))).toBeUndefined();
  });

  it.each([[0], [10_000]])('accepts %i replicas', (replicas) => {
    expect(fieldOf((s) => (s.replicas = replicas))).toBeUndefined();
  });

  it.each([
    'nginx',
    'nginx:1.27-alpine',
    'library/nginx:latest',
    'ghcr.io/org/app@sha256:0f',
    'localhost:5000/app',
    'img:V1',
    'My.Registry.io/app',
  ])('accepts the image %s', (image) => {
    expect(fieldOf((s) => (container(s).image = image))).toBeUndefined();
  });
});

describe('normalizeServiceSpec: validation errors name their field', () => {
  const cases: [string, Patch, string][] = [
    ['empty name', (s) => (s.name = ''), 'name'],
    ['name with a space', (s) => (s.name = 'my web'), 'name'],
    ['name starting with -', (s) => (s.name = '-web'), 'name'],
    ['name of 64 characters', (s) => (s.name = 'x'.repeat(64)), 'name'],
    ['name with a slash', (s) => (s.name = 'a/b'), 'name'],
    ['unknown mode', (s) => (s.mode = 'daemon' as ServiceSpecInput['mode']), 'mode'],
    ['replicas with global mode', (s) => ((s.mode = 'global'), (s.replicas = 2)), 'replicas'],
    ['max-concurrent on a service', (s) => (s.maxConcurrent = 2), 'maxConcurrent'],
    [
      'zero max-concurrent',
      (s) => ((s.mode = 'replicated-job'), (s.maxConcurrent = 0)),
      'maxConcurrent',
    ],
    [
      'update config on a job',
      (s) => ((s.mode = 'replicated-job'), (s.updateConfig = { parallelism: 2 })),
      'updateConfig',
    ],
    [
      'restart condition any on a job',
      (s) => ((s.mode = 'global-job'), (s.task.restartPolicy = { condition: 'any' })),
      'restartPolicy.condition',
    ],
    [
      'negative update parallelism',
      (s) => (s.updateConfig = { parallelism: -1 }),
      'updateConfig.parallelism',
    ],
    [
      'unknown update order',
      (s) => (s.updateConfig = { order: 'x' as 'stop-first' }),
      'updateConfig.order',
    ],
    [
      'failure ratio above 1',
      (s) => (s.updateConfig = { maxFailureRatio: 1.5 }),
      'updateConfig.maxFailureRatio',
    ],
    [
      'rollback as the failure action of a rollback',
      (s) => (s.rollbackConfig = { failureAction: 'rollback' }),
      'rollbackConfig.failureAction',
    ],
    ['negative replicas', (s) => (s.replicas = -1), 'replicas'],
    ['fractional replicas', (s) => (s.replicas = 1.5), 'replicas'],
    ['too many replicas', (s) => (s.replicas = 10_001), 'replicas'],
    ['empty image', (s) => (container(s).image = ''), 'image'],
    ['image with a space', (s) => (container(s).image = 'busy box'), 'image'],
    ['image starting with /', (s) => (container(s).image = '/busybox'), 'image'],
    ['image with an uppercase path', (s) => (container(s).image = 'Busybox:latest'), 'image'],
    [
      'image with an uppercase path after a registry',
      (s) => (container(s).image = 'ghcr.io/Org/app'),
      'image',
    ],
    ['env without =', (s) => (container(s).env = ['A=1', 'NOVALUE']), 'env'],
    ['env with an empty key', (s) => (container(s).env = ['=1']), 'env'],
    ['env with a leading space', (s) => (container(s).env = [' A=1']), 'env'],
    [
      'negative stop grace period',
      (s) => (container(s).stopGracePeriodMs = -1),
      'stopGracePeriodMs',
    ],
    [
      'fractional stop grace period',
      (s) => (container(s).stopGracePeriodMs = 0.5),
      'stopGracePeriodMs',
    ],
    [
      'negative cpu limit',
      (s) => (s.task.resources = { limits: { nanoCpus: -1 } }),
      'resources.limits.nanoCpus',
    ],
    [
      'negative memory limit',
      (s) => (s.task.resources = { limits: { memoryBytes: -1 } }),
      'resources.limits.memoryBytes',
    ],
    [
      'memory limit under 6MB',
      (s) => (s.task.resources = { limits: { memoryBytes: 6 * 1024 * 1024 - 1 } }),
      'resources.limits.memoryBytes',
    ],
    [
      'negative cpu reservation',
      (s) => (s.task.resources = { reservations: { nanoCpus: -5 } }),
      'resources.reservations.nanoCpus',
    ],
    [
      'fractional memory reservation',
      (s) => (s.task.resources = { reservations: { memoryBytes: 1.5 } }),
      'resources.reservations.memoryBytes',
    ],
    [
      'negative restart delay',
      (s) => (s.task.restartPolicy = { delayMs: -1 }),
      'restartPolicy.delayMs',
    ],
    [
      'fractional max attempts',
      (s) => (s.task.restartPolicy = { maxAttempts: 0.5 }),
      'restartPolicy.maxAttempts',
    ],
    ['negative window', (s) => (s.task.restartPolicy = { windowMs: -1 }), 'restartPolicy.windowMs'],
    ['negative forceUpdate', (s) => (s.task.forceUpdate = -1), 'forceUpdate'],
  ];

  it.each(cases)('%s', (_name, patch, field) => {
    expect(fieldOf(patch)).toBe(field);
  });

  it('accepts a small memory reservation (the 6MB floor is for limits only)', () => {
    expect(
      fieldOf((s) => (s.task.resources = { reservations: { memoryBytes: 1024 } })),
    ).toBeUndefined();
  });

  it('puts the offending value in the message', () => {
    const input = minimal();
    input.replicas = -3;
    expect(() => normalizeServiceSpec(input)).toThrow(
      'replicas must be an integer between 0 and 10000, got -3',
    );
    input.replicas = 1;
    input.task.container.env = ['oops'];
    expect(() => normalizeServiceSpec(input)).toThrow(
      'invalid environment variable "oops": expected KEY=VALUE',
    );
  });
});

describe('normalizeServiceSpec: names and restart conditions', () => {
  it('refuses a dot in a service name (it would clash with <service>.<slot> task names)', () => {
    expect(() =>
      normalizeServiceSpec({ name: 'web.v2', task: { container: { image: 'busybox' } } }),
    ).toThrow(/invalid service name "web\.v2"/);
  });

  it('refuses an unknown restart condition instead of treating it as any', () => {
    const input = {
      name: 'web',
      task: { container: { image: 'busybox' }, restartPolicy: { condition: 'sometimes' as never } },
    };
    expect(() => normalizeServiceSpec(input)).toThrow(/invalid restart condition "sometimes"/);
  });
});

describe('normalizeServiceSpec: placement', () => {
  it('keeps valid constraints (normalised) and refuses bad ones', () => {
    const spec = normalizeServiceSpec({
      name: 'web',
      task: {
        container: { image: 'img' },
        placement: {
          constraints: ['node.labels.zone == a'],
          preferences: [{ spread: 'node.labels.zone' }],
          maxReplicasPerNode: 0,
        },
      },
    });
    expect(spec.task.placement).toEqual({
      constraints: ['node.labels.zone==a'],
      preferences: [{ spread: 'node.labels.zone' }],
    });
    expect(() =>
      normalizeServiceSpec({
        name: 'web',
        task: { container: { image: 'img' }, placement: { constraints: ['node.zone==a'] } },
      }),
    ).toThrow(/unknown key "node.zone"/);
  });
});
