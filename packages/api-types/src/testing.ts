import type { ContainerSpec, ServiceSpec, TaskSpec } from './service.js';
import type { Task } from './task.js';
import type { Resources } from './common.js';
import type { RestartPolicy } from './service.js';

/** Overrides for `sampleTaskSpec`; everything left out gets a neutral default. */
export interface SampleTaskSpecFields {
  container?: Partial<ContainerSpec>;
  limits?: Partial<Resources>;
  reservations?: Partial<Resources>;
  restartPolicy?: Partial<RestartPolicy>;
}

/**
 * A complete task spec for tests (image `busybox`, no limits, restart `any` without delay).
 * Exported from `@swarmlet/api-types/testing` only, never from the package's main entry.
 */
export function sampleTaskSpec(fields: SampleTaskSpecFields = {}): TaskSpec {
  return {
    container: {
      image: 'busybox',
      command: [],
      args: [],
      env: [],
      labels: {},
      workdir: '',
      user: '',
      stopGracePeriodMs: 10_000,
      ...fields.container,
    },
    resources: {
      limits: { nanoCpus: 0, memoryBytes: 0, ...fields.limits },
      reservations: { nanoCpus: 0, memoryBytes: 0, ...fields.reservations },
    },
    restartPolicy: {
      condition: 'any',
      delayMs: 0,
      maxAttempts: 0,
      windowMs: 0,
      ...fields.restartPolicy,
    },
    forceUpdate: 0,
  };
}

/** A complete replicated service spec for tests. */
export function sampleServiceSpec(
  name = 'web',
  replicas = 1,
  task: SampleTaskSpecFields = {},
): ServiceSpec {
  return { name, labels: {}, mode: 'replicated', replicas, task: sampleTaskSpec(task) };
}

/**
 * A task already assigned to node `n1` (id `task1`, service `web`, slot 1), for agent and
 * executor tests; `overrides` replace whole top-level fields.
 */
export function sampleAssignedTask(overrides: Partial<Task> = {}): Task {
  return {
    id: 'task1',
    meta: { version: 1, createdAt: '', updatedAt: '' },
    serviceId: 'svc',
    serviceName: 'web',
    slot: 1,
    nodeId: 'n1',
    spec: sampleTaskSpec(),
    specVersion: 1,
    desiredState: 'running',
    status: { state: 'assigned', timestamp: '', message: '', err: '', containerId: '' },
    ...overrides,
  };
}
