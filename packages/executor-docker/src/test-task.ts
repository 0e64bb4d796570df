import type { ContainerSpec, Resources, Task } from '@swarmlet/api-types';

/** The fields a test cares about; everything else gets a neutral default. */
export interface TestTaskFields {
  id: string;
  nodeId: string;
  serviceId?: string;
  serviceName?: string;
  /** Default 1. */
  slot?: number;
  container?: Partial<ContainerSpec>;
  limits?: Partial<Resources>;
}

/** A complete, assigned `Task` for executor tests (desired state running, restart condition none). */
export function makeTestTask(fields: TestTaskFields): Task {
  const now = new Date().toISOString();
  return {
    id: fields.id,
    meta: { version: 1, createdAt: now, updatedAt: now },
    serviceId: fields.serviceId ?? `svc-${fields.id}`,
    serviceName: fields.serviceName ?? 'contract',
    slot: fields.slot ?? 1,
    nodeId: fields.nodeId,
    specVersion: 1,
    desiredState: 'running',
    status: { state: 'assigned', timestamp: now, message: '', err: '', containerId: '' },
    spec: {
      container: {
        image: 'swarmlet/busybox:latest',
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
        reservations: { nanoCpus: 0, memoryBytes: 0 },
      },
      restartPolicy: { condition: 'none', delayMs: 0, maxAttempts: 0, windowMs: 0 },
      forceUpdate: 0,
    },
  };
}
