import type { Service, Task } from '@swarmlet/api-types';
import { sampleServiceSpec } from '@swarmlet/api-types/testing';

/** A service as `tx.create('service', ...)` takes it, for tests of the store and its users. */
export function sampleService(name = 'web', replicas = 1): Omit<Service, 'id' | 'meta'> {
  return { spec: sampleServiceSpec(name, replicas) };
}

/** A new task of `service` in `slot`, as the orchestrator would create it. */
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
