import type { ContainerSpec, Resources, Task } from '@swarmlet/api-types';
import { sampleTaskSpec } from '@swarmlet/api-types/testing';

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
    spec: sampleTaskSpec({
      container: { image: 'swarmlet/busybox:latest', ...fields.container },
      limits: fields.limits ?? {},
      restartPolicy: { condition: 'none' },
    }),
  };
}
