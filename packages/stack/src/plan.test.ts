import type {
  Config,
  Network,
  SecretView,
  ServiceSpecInput,
  ServiceView,
} from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { loadStack } from './load.js';
import type { Stack } from './model.js';
import { listStacks, planRemove, planResources, planServices, type ClusterState } from './plan.js';

const COMPOSE = `
services:
  web:
    image: web:\${TAG:-1}
    environment: [A=1]
    networks: [front]
    secrets: [pw]
    ports: ["8080:80"]
    deploy:
      replicas: 2
      placement: { constraints: ["node.role == worker"] }
  worker:
    image: worker:1
networks:
  front: {}
  ext: { external: true }
secrets:
  pw: { environment: PW }
  shared: { external: true }
configs:
  conf: { content: "level=1" }
`;

function stackOf(env: Record<string, string> = {}, name = 'app'): Stack {
  return loadStack({
    name,
    files: [{ path: '/p/c.yml', text: COMPOSE }],
    env: { PW: 'pw1', ...env },
    readFile: () => Buffer.alloc(0),
  }).stack;
}

const meta = (version: number) => ({ version, createdAt: 't', updatedAt: 't' });

/** What the manager stores for `input`: defaults filled, networks and secrets resolved to ids. */
function stored(input: ServiceSpecInput, id: string, version = 7, forceUpdate = 0): ServiceView {
  const c = input.task.container;
  return {
    id,
    meta: meta(version),
    spec: {
      name: input.name,
      labels: input.labels ?? {},
      mode: input.mode ?? 'replicated',
      replicas: input.replicas ?? 1,
      task: {
        container: {
          image: c.image,
          command: c.command ?? [],
          args: c.args ?? [],
          env: c.env ?? [],
          labels: c.labels ?? {},
          workdir: c.workdir ?? '',
          user: c.user ?? '',
          stopGracePeriodMs: c.stopGracePeriodMs ?? 10_000,
        },
        resources: {
          limits: { nanoCpus: 0, memoryBytes: 0 },
          reservations: { nanoCpus: 0, memoryBytes: 0 },
        },
        restartPolicy: { condition: 'any', delayMs: 5000, maxAttempts: 0, windowMs: 0 },
        forceUpdate,
        secrets: input.task.secrets?.map((s) => ({
          id: 'sid',
          name: s.source ?? '',
          target: s.target ?? '',
          uid: 0,
          gid: 0,
          mode: 0o444,
        })),
        placement: { constraints: ['node.role==worker'] },
      },
      networks: input.networks?.map((n) => `id-of-${n}`),
      ports: input.ports,
    },
    serviceStatus: { runningTasks: 0, desiredTasks: 0 },
  };
}

const named = <T>(name: string, labels: Record<string, string>, extra: T) => ({
  id: `id-${name}`,
  meta: meta(1),
  spec: { name, labels, ...extra },
});
const ns = (stack: string) => ({ 'com.docker.stack.namespace': stack });

function deployed(stack: Stack): ServiceView[] {
  return stack.services.map((s, i) => stored(s, `svc${i}`));
}

describe('planServices', () => {
  it('creates every service of a new stack', () => {
    const plan = planServices(stackOf(), [], false);
    expect(plan.create.map((s) => s.name)).toEqual(['app_web', 'app_worker']);
    expect([plan.update, plan.unchanged, plan.remove]).toEqual([[], [], []]);
  });

  it('leaves a redeploy of the same files alone, despite what the manager normalized', () => {
    const plan = planServices(stackOf(), deployed(stackOf()), true);
    expect(plan).toEqual({
      create: [],
      update: [],
      unchanged: ['app_web', 'app_worker'],
      remove: [],
    });
  });

  it('updates only the service whose spec changed, at the version read, keeping forceUpdate', () => {
    const current = deployed(stackOf());
    current[0] = stored(stackOf().services[0]!, 'svc0', 12, 3);
    const plan = planServices(stackOf({ TAG: '2' }), current, false);
    expect(plan.unchanged).toEqual(['app_worker']);
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]).toMatchObject({ id: 'svc0', version: 12 });
    expect(plan.update[0]?.spec.task.container.image).toBe('web:2');
    expect(plan.update[0]?.spec.task.forceUpdate).toBe(3);
  });

  it('undoes hand-made changes to fields the manager keeps as sent (scale, image, env)', () => {
    const cases: ((v: ServiceView) => void)[] = [
      (v) => (v.spec.replicas = 5),
      (v) => (v.spec.task.container.image = 'web:hand'),
      (v) => v.spec.task.container.env.push('B=2'),
      (v) => (v.spec.labels['extra'] = 'x'),
    ];
    for (const change of cases) {
      const current = deployed(stackOf());
      change(current[0]!);
      expect(planServices(stackOf(), current, false).update.map((u) => u.spec.name)).toEqual([
        'app_web',
      ]);
    }
  });

  it('updates a service deployed without a hash label (by Docker or an older swarmlet)', () => {
    const current = deployed(stackOf());
    delete current[1]!.spec.labels['com.swarmlet.stack.spec-hash'];
    expect(planServices(stackOf(), current, false).update.map((u) => u.spec.name)).toEqual([
      'app_worker',
    ]);
  });

  it('with prune removes the services of the stack the files no longer have, only those', () => {
    const other = stored(stackOf({}, 'other').services[0]!, 'o1');
    const gone = stored({ ...stackOf().services[1]!, name: 'app_old' }, 'old1');
    const current = [...deployed(stackOf()), other, gone];
    expect(planServices(stackOf(), current, true).remove).toEqual([
      { id: 'old1', name: 'app_old' },
    ]);
    expect(planServices(stackOf(), current, false).remove).toEqual([]);
  });
});

describe('planResources', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const state = (over: Partial<ClusterState> = {}): ClusterState => ({
    services: [],
    networks: [named('ext', {}, { driver: 'overlay', attachable: false, subnet: '' }) as Network],
    secrets: [named('shared', {}, { type: 'opaque' as const, size: 1 }) as unknown as SecretView],
    configs: [],
    ...over,
  });

  it('creates the missing networks, secrets and configs with the namespace label', () => {
    const plan = planResources(stackOf(), state());
    expect(plan.createNetworks).toEqual([
      { name: 'app_default', driver: 'overlay', labels: ns('app') },
      { name: 'app_front', driver: 'overlay', labels: ns('app') },
    ]);
    expect(plan.createSecrets).toEqual([{ name: 'app_pw', labels: ns('app'), data: b64('pw1') }]);
    expect(plan.createConfigs).toEqual([
      { name: 'app_conf', labels: ns('app'), data: b64('level=1') },
    ]);
    expect([plan.updateSecrets, plan.updateConfigs]).toEqual([[], []]);
  });

  it('resends existing secrets (the API hides them) and updates only configs that changed', () => {
    const existing = state({
      networks: [
        ...state().networks,
        named('app_front', ns('app'), {}) as unknown as Network,
        named('app_default', ns('app'), {}) as unknown as Network,
      ],
      secrets: [
        ...state().secrets,
        named('app_pw', ns('app'), { size: 3 }) as unknown as SecretView,
      ],
      configs: [named('app_conf', ns('app'), { data: b64('level=1') }) as Config],
    });
    const same = planResources(stackOf(), existing);
    expect(same).toEqual({
      createNetworks: [],
      createSecrets: [],
      updateSecrets: [{ name: 'app_pw', data: b64('pw1') }],
      createConfigs: [],
      updateConfigs: [],
    });
    (existing.configs[0] as Config).spec.data = b64('level=0');
    expect(planResources(stackOf(), existing).updateConfigs).toEqual([
      { name: 'app_conf', data: b64('level=1') },
    ]);
  });

  it('fails listing every missing external object', () => {
    expect(() => planResources(stackOf(), state({ networks: [], secrets: [] }))).toThrow(
      'declared as external but not found: secret shared (create them first)',
    );
  });
});

describe('planRemove and listStacks', () => {
  const state: ClusterState = {
    services: [
      stored(stackOf().services[1]!, 's1'),
      stored(stackOf().services[0]!, 's2'),
      stored(stackOf({}, 'b').services[0]!, 's3'),
    ],
    networks: [
      named('app_front', ns('app'), {}) as unknown as Network,
      named('free', {}, {}) as unknown as Network,
    ],
    secrets: [named('app_pw', ns('app'), {}) as unknown as SecretView],
    configs: [named('b_conf', ns('b'), {}) as unknown as Config],
  };

  it('finds the objects of a stack by its label', () => {
    expect(planRemove('app', state)).toEqual({
      services: ['app_web', 'app_worker'],
      networks: ['app_front'],
      secrets: ['app_pw'],
      configs: [],
    });
    expect(planRemove('none', state)).toEqual({
      services: [],
      networks: [],
      secrets: [],
      configs: [],
    });
  });

  it('counts services per stack', () => {
    expect(listStacks(state.services)).toEqual([
      { name: 'app', services: 2 },
      { name: 'b', services: 1 },
    ]);
  });
});
