import type {
  Meta,
  Node,
  ServiceSpec,
  ServiceSpecInput,
  Task,
  TaskState,
} from '@swarmlet/api-types';
import { invalid } from '@swarmlet/api-types';
import { randomBytes } from 'node:crypto';

/** A 25-character lowercase id like swarmkit's. */
export function newId(): string {
  return BigInt(`0x${randomBytes(16).toString('hex')}`)
    .toString(36)
    .padStart(25, '0')
    .slice(0, 25);
}

/** Fresh bookkeeping for an object created at store version `version`. */
export function newMeta(version: number, now = new Date()): Meta {
  const t = now.toISOString();
  return { version, createdAt: t, updatedAt: t };
}

/** Fills defaults the way controlapi does, with just enough validation for tests. */
export function fillSpec(input: ServiceSpecInput): ServiceSpec {
  if (input.name === '') throw invalid('service name must not be empty');
  const c = input.task.container;
  if (c.image === '') throw invalid('image must not be empty');
  const replicas = input.replicas ?? 1;
  if (replicas < 0) throw invalid(`replicas must be >= 0, got ${replicas}`);
  const limits = input.task.resources?.limits ?? {};
  const reservations = input.task.resources?.reservations ?? {};
  const rp = input.task.restartPolicy ?? {};
  return {
    name: input.name,
    labels: input.labels ?? {},
    mode: input.mode ?? 'replicated',
    replicas,
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
        limits: { nanoCpus: limits.nanoCpus ?? 0, memoryBytes: limits.memoryBytes ?? 0 },
        reservations: {
          nanoCpus: reservations.nanoCpus ?? 0,
          memoryBytes: reservations.memoryBytes ?? 0,
        },
      },
      restartPolicy: {
        condition: rp.condition ?? 'any',
        delayMs: rp.delayMs ?? 5000,
        maxAttempts: rp.maxAttempts ?? 0,
        windowMs: rp.windowMs ?? 0,
      },
      forceUpdate: input.task.forceUpdate ?? 0,
    },
  };
}

/** The node a fake cluster runs on: one ready manager, the leader. */
export function fakeNode(id: string, hostname: string, version: number): Node {
  return {
    id,
    meta: newMeta(version),
    spec: { role: 'manager', availability: 'active', labels: {} },
    description: {
      hostname,
      platform: { os: 'linux', arch: 'x86_64' },
      resources: { nanoCpus: 4e9, memoryBytes: 8 * 1024 ** 3 },
      engine: { version: '27.0.3', labels: {} },
    },
    status: { state: 'ready', message: '', addr: '10.0.0.1' },
    managerStatus: { leader: true, reachability: 'reachable', addr: '10.0.0.1:2377' },
  };
}

/** Observed states a fake task walks through, one step per `advance()`. */
export const FAKE_LIFECYCLE: readonly TaskState[] = [
  'new',
  'pending',
  'assigned',
  'preparing',
  'starting',
  'running',
];

/** A new task for `slot`, in state `new`, desired `running`. */
export function newTask(
  service: { id: string; spec: ServiceSpec; meta: Meta },
  slot: number,
  version: number,
): Task {
  const meta = newMeta(version);
  return {
    id: newId(),
    meta,
    serviceId: service.id,
    serviceName: service.spec.name,
    slot,
    nodeId: '',
    spec: structuredClone(service.spec.task),
    specVersion: service.meta.version,
    desiredState: 'running',
    status: {
      state: 'new',
      timestamp: meta.createdAt,
      message: 'created',
      err: '',
      containerId: '',
    },
  };
}
