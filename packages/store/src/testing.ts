import type { Node, Service, Task } from '@swarmlet/api-types';
import { sampleServiceSpec } from '@swarmlet/api-types/testing';

/** A service as `tx.create('service', ...)` takes it, for tests of the store and its users. */
export function sampleService(name = 'web', replicas = 1): Omit<Service, 'id' | 'meta'> {
  return { spec: sampleServiceSpec(name, replicas) };
}

/** A worker node as `tx.create('node', ...)` takes it; `state` and `addr` of its status. */
export function sampleNode(
  id: string,
  state: Node['status']['state'] = 'ready',
  addr = '',
): Omit<Node, 'meta'> {
  return {
    id,
    spec: { role: 'worker', availability: 'active', labels: {} },
    description: {
      hostname: id,
      platform: { os: 'linux', arch: 'x86_64' },
      resources: { nanoCpus: 1e9, memoryBytes: 1e9 },
      engine: { version: '20.10', labels: {} },
    },
    status: { state, message: '', addr },
  };
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
