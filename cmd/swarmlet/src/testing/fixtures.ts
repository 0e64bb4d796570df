import type { Node, ServiceView, Task, TaskState } from '@swarmlet/api-types';
import { sampleServiceSpec } from '@swarmlet/api-types/testing';

/** Deterministic objects for formatter and progress tests. */
export const T0 = '2026-01-01T00:00:00.000Z';

/** A replicated nginx service with `running` of `replicas` tasks up. */
export function serviceView(
  name: string,
  replicas: number,
  running: number,
  id = `${name}0123456789abcdefghijklm`,
): ServiceView {
  return {
    id,
    meta: { version: 1, createdAt: T0, updatedAt: T0 },
    spec: sampleServiceSpec(name, replicas, {
      container: { image: 'nginx:1.27@sha256:abc' },
      restartPolicy: { delayMs: 5000 },
    }),
    serviceStatus: { runningTasks: running, desiredTasks: replicas },
  };
}

/** A task of service `web` in `slot`; later `createdAt` means newer. */
export function task(
  id: string,
  slot: number,
  state: TaskState,
  opts: { desired?: TaskState; createdAt?: string; err?: string; specVersion?: number } = {},
): Task {
  const createdAt = opts.createdAt ?? T0;
  const svc = serviceView('web', 1, 0);
  return {
    id,
    meta: { version: 1, createdAt, updatedAt: createdAt },
    serviceId: svc.id,
    serviceName: 'web',
    slot,
    nodeId: 'node1',
    spec: svc.spec.task,
    specVersion: opts.specVersion ?? 1,
    desiredState: opts.desired ?? 'running',
    status: { state, timestamp: createdAt, message: '', err: opts.err ?? '', containerId: '' },
  };
}

/** A ready node. */
export function node(id: string, hostname: string, leader?: boolean): Node {
  return {
    id,
    meta: { version: 1, createdAt: T0, updatedAt: T0 },
    spec: { role: leader === undefined ? 'worker' : 'manager', availability: 'active', labels: {} },
    description: {
      hostname,
      platform: { os: 'linux', arch: 'x86_64' },
      resources: { nanoCpus: 2e9, memoryBytes: 2 * 1024 ** 3 },
      engine: { version: '27.0.3', labels: {} },
    },
    status: { state: 'ready', message: '', addr: '10.0.0.2' },
    ...(leader === undefined
      ? {}
      : { managerStatus: { leader, reachability: 'reachable', addr: '10.0.0.2:2377' } }),
  };
}
