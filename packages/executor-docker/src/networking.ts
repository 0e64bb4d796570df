import type Docker from 'dockerode';
import type { BridgeSpec, Task, TaskEndpoints } from '@swarmlet/api-types';

export type { BridgeSpec, TaskEndpoints };
import { statusCode, toExecutorError } from './errors.js';

/**
 * What the executor asks of the node's data plane (`NodeDataPlane` in @swarmlet/network).
 * Without it, containers use the engine's default bridge, as on a node with no overlay.
 */
export interface TaskNetworking {
  /** Settings for the task's container once its networks exist on this node. */
  endpoints(task: Task, signal?: AbortSignal): Promise<TaskEndpoints | undefined>;
  /** The task's container runs as `pid` (VIP balancing inside its namespace). */
  attach(
    taskId: string,
    pid: number,
    networks: { networkId: string; addr: string }[],
  ): Promise<void>;
  detach(taskId: string): void;
  /** Wait before stopping the task, so no node still sends it new connections. */
  drainMs(task: Task): number;
  /** Resolves once this node's own rules no longer send the task traffic (bounded). */
  whenUnserved?(taskId: string): Promise<void>;
}

/** Label on the docker networks the data plane creates. */
export const NETWORK_LABEL = 'io.swarmlet.overlay';

/**
 * The docker side of an overlay on one node: a bridge network with the overlay's subnet, a
 * fixed Linux bridge name (so the VXLAN device can be enslaved to it) and the node's own
 * overlay address as gateway. Docker adds the NAT for egress and isolates it from other bridges.
 */
export class DockerBridgeNetworks {
  constructor(private readonly engine: () => Promise<Docker>) {}

  async ensure(spec: BridgeSpec): Promise<void> {
    const docker = await this.engine();
    const existing = await this.inspect(docker, spec.name);
    if (existing) {
      const cfg = existing.IPAM?.Config?.[0];
      const bridge = existing.Options?.['com.docker.network.bridge.name'];
      if (cfg?.Subnet === spec.subnet && cfg.Gateway === spec.gateway && bridge === spec.bridge)
        return;
      await this.remove(spec.name);
    }
    try {
      await this.create(docker, spec);
    } catch (err) {
      // A network left by an earlier cluster or a crashed node holds the subnet: remove it if no
      // container uses it any more, then try once more.
      if (!/overlap/i.test((err as Error).message) || !(await this.removeStale(docker, spec)))
        throw err;
      await this.create(docker, spec);
    }
  }

  private async create(docker: Docker, spec: BridgeSpec): Promise<void> {
    try {
      await docker.createNetwork({
        Name: spec.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: spec.subnet, Gateway: spec.gateway }] },
        Options: {
          'com.docker.network.bridge.name': spec.bridge,
          'com.docker.network.driver.mtu': String(spec.mtu),
        },
        Labels: { [NETWORK_LABEL]: 'true' },
      });
    } catch (err) {
      if (statusCode(err) === 409) return; // created meanwhile
      throw toExecutorError('create', err, true);
    }
  }

  /** Removes unused data-plane networks on `spec.subnet` or `spec.bridge`; true if any went. */
  private async removeStale(docker: Docker, spec: BridgeSpec): Promise<boolean> {
    const nets = await docker.listNetworks({ filters: { label: [NETWORK_LABEL] } });
    let removed = false;
    for (const n of nets) {
      const sameSubnet = n.IPAM?.Config?.some((c) => c.Subnet === spec.subnet);
      const sameBridge = n.Options?.['com.docker.network.bridge.name'] === spec.bridge;
      if (n.Name === spec.name || (!sameSubnet && !sameBridge)) continue;
      const info = await this.inspect(docker, n.Name);
      if (info && Object.keys(info.Containers ?? {}).length > 0) continue;
      await this.remove(n.Name);
      removed = true;
    }
    return removed;
  }

  async remove(name: string): Promise<void> {
    const docker = await this.engine();
    try {
      await docker.getNetwork(name).remove();
    } catch (err) {
      if (statusCode(err) === 404) return;
      throw toExecutorError('runtime', err, true);
    }
  }

  private async inspect(
    docker: Docker,
    name: string,
  ): Promise<Docker.NetworkInspectInfo | undefined> {
    try {
      return (await docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw toExecutorError('runtime', err, true);
    }
  }
}
