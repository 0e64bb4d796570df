import type { Service, Task } from '@swarmlet/api-types';

/** Minimal valid objects for tests of the store and of components built on it. */
export function sampleService(name = 'web', replicas = 1): Omit<Service, 'id' | 'meta'> {
  return {
    spec: {
      name,
      labels: {},
      mode: 'replicated',
      replicas,
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
        restartPolicy: { condition: 'any', delayMs: 0, maxAttempts: 0, windowMs: 0 },
        forceUpdate: 0,
      },
    },
  };
}

export function sampleTask(service: Service, slot: number, nodeId = ''): Omit<Task, 'id' | 'meta'> {
  return {
    serviceId: service.id,
    serviceName: service.spec.name,
    slot,
    nodeId,
    spec: service.spec.task,
    specVersion: service.meta.version,
    desiredState: 'running',
    status: {
      state: 'new',
      timestamp: new Date(0).toISOString(),
      message: 'created',
      err: '',
      containerId: '',
    },
  };
}
