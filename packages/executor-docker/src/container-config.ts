import type { ContainerCreateOptions } from 'dockerode';
import type { Task } from '@swarmlet/api-types';
import { CONTAINER_LABELS, containerName } from '@swarmlet/agent';
import { healthConfig } from './health.js';
import { hostMount } from './mounts.js';
import type { TaskEndpoints } from './networking.js';

/** Environment variables set on every task container (after the spec's, so they win). */
export const TASK_ENV = {
  taskId: 'SWARMLET_TASK_ID',
  slot: 'SWARMLET_TASK_SLOT',
  serviceId: 'SWARMLET_SERVICE_ID',
  serviceName: 'SWARMLET_SERVICE_NAME',
  nodeId: 'SWARMLET_NODE_ID',
} as const;

/** The spec's labels plus `CONTAINER_LABELS`; ours win so `list()` can trust them. */
export function taskLabels(task: Task, nodeId: string): Record<string, string> {
  return {
    ...task.spec.container.labels,
    [CONTAINER_LABELS.task]: task.id,
    [CONTAINER_LABELS.service]: task.serviceId,
    [CONTAINER_LABELS.serviceName]: task.serviceName,
    [CONTAINER_LABELS.node]: nodeId,
    [CONTAINER_LABELS.slot]: String(task.slot),
  };
}

/** The spec's `KEY=VALUE` strings followed by the SWARMLET_* variables. */
export function taskEnv(task: Task, nodeId: string): string[] {
  return [
    ...task.spec.container.env,
    `${TASK_ENV.taskId}=${task.id}`,
    `${TASK_ENV.slot}=${task.slot}`,
    `${TASK_ENV.serviceId}=${task.serviceId}`,
    `${TASK_ENV.serviceName}=${task.serviceName}`,
    `${TASK_ENV.nodeId}=${nodeId}`,
  ];
}

/** Docker's stop timeout is whole seconds: round the grace period up so it is never shortened. */
export function stopTimeoutSeconds(stopGracePeriodMs: number): number {
  return Math.max(0, Math.ceil(stopGracePeriodMs / 1000));
}

/**
 * The create request for a task's container. Restart policy is "no": the orchestrator, not
 * the engine, replaces exited tasks. Empty command/args keep the image's ENTRYPOINT/CMD.
 */
export function createOptions(
  task: Task,
  nodeId: string,
  endpoints?: TaskEndpoints,
  binds: readonly string[] = [],
): ContainerCreateOptions {
  const { container, resources } = task.spec;
  const options: ContainerCreateOptions = {
    name: containerName(task),
    Image: container.image,
    Env: taskEnv(task, nodeId),
    Labels: taskLabels(task, nodeId),
    StopTimeout: stopTimeoutSeconds(container.stopGracePeriodMs),
    HostConfig: {
      RestartPolicy: { Name: 'no' },
      NanoCpus: resources.limits.nanoCpus,
      Memory: resources.limits.memoryBytes,
    },
  };
  if (endpoints) applyEndpoints(options, endpoints);
  // Secret and config files: read-only binds of the task's own tmpfs (TaskFiles).
  if (binds.length > 0) options.HostConfig!.Binds = [...binds];
  if (container.mounts?.length) options.HostConfig!.Mounts = container.mounts.map(hostMount);
  if (container.command.length > 0) options.Entrypoint = container.command;
  if (container.args.length > 0) options.Cmd = container.args;
  if (container.workdir !== '') options.WorkingDir = container.workdir;
  if (container.user !== '') options.User = container.user;
  // Absent: the image's HEALTHCHECK applies; zero durations keep the image's values.
  const health = healthConfig(container.healthcheck);
  if (health) options.Healthcheck = health;
  return options;
}

/**
 * Network settings: the first overlay is the container's network at create time with its
 * allocated address (API 1.41 takes one network at create; the others are connected before
 * start), the node's DNS server behind Docker's embedded resolver, and host-mode ports.
 */
function applyEndpoints(options: ContainerCreateOptions, endpoints: TaskEndpoints): void {
  const host = (options.HostConfig ??= {});
  const first = endpoints.networks[0];
  if (first) {
    host.NetworkMode = first.name;
    options.NetworkingConfig = {
      EndpointsConfig: { [first.name]: { IPAMConfig: { IPv4Address: first.ip } } },
    };
  }
  if (endpoints.dns.length > 0) {
    host.Dns = endpoints.dns;
    // Explicit options replace the node's resolv.conf options. A node whose resolv.conf sets
    // `ndots` (every docker-compose container's does) would otherwise make Docker's embedded
    // resolver answer single-label names (`web`) itself, empty, instead of forwarding them.
    host.DnsOptions = ['attempts:2'];
  }
  if (endpoints.hostPorts.length > 0) {
    const exposed: Record<string, Record<string, never>> = {};
    const bindings: Record<string, { HostPort: string }[]> = {};
    for (const p of endpoints.hostPorts) {
      const key = `${p.target}/${p.protocol}`;
      exposed[key] = {};
      // Published 0: the engine picks a free port on this node.
      (bindings[key] ??= []).push({ HostPort: p.published === 0 ? '' : String(p.published) });
    }
    options.ExposedPorts = exposed;
    host.PortBindings = bindings;
  }
}
