import {
  SwarmletError,
  type Cluster,
  type ControlApi,
  type Info,
  type InitRequest,
  type Node,
  type ServiceSpecInput,
  type ServiceUpdateRequest,
  type ServiceView,
  type Task,
  type TaskFilter,
} from '@swarmlet/api-types';
import type { StoreControlApi } from '@swarmlet/manager';
import type { MemoryStore } from '@swarmlet/store';

export interface DaemonHooks {
  store: MemoryStore;
  nodeId: string;
  dataDir: string;
  version: string;
  /** The store-backed control API, once the node is in a cluster. */
  cluster(): StoreControlApi | undefined;
  init(req: InitRequest): Promise<Cluster>;
  engine(): Promise<{ version: string; apiVersion: string }>;
}

/**
 * The daemon's `ControlApi`: `info` and `init` always work; everything else needs a cluster and
 * fails with NOT_INITIALIZED (HTTP 503) until `swarmlet init`.
 */
export class DaemonControl implements ControlApi {
  constructor(private readonly d: DaemonHooks) {}

  async info(): Promise<Info> {
    const { store } = this.d;
    const counts = store.view((tx) => {
      const tasks = tx.find('task');
      const managers = tx.find('node', (n) => n.spec.role === 'manager').length;
      return {
        clusterId: tx.find('cluster')[0]?.id ?? '',
        managers,
        nodes: tx.find('node').length,
        services: tx.find('service').length,
        tasks: {
          running: tasks.filter((t) => t.status.state === 'running').length,
          total: tasks.length,
        },
        role: tx.get('node', this.d.nodeId)?.spec.role ?? '',
      };
    });
    const engine = await this.d.engine().catch(() => ({ version: 'unreachable', apiVersion: '' }));
    return {
      version: this.d.version,
      nodeId: this.d.nodeId,
      state: counts.clusterId ? 'active' : 'inactive',
      dataDir: this.d.dataDir,
      engine,
      ...counts,
    };
  }

  init(req: InitRequest): Promise<Cluster> {
    return this.d.init(req);
  }

  getCluster(): Promise<Cluster> {
    return this.api().getCluster();
  }
  listServices(): Promise<ServiceView[]> {
    return this.api().listServices();
  }
  getService(ref: string): Promise<ServiceView> {
    return this.api().getService(ref);
  }
  createService(spec: ServiceSpecInput): Promise<ServiceView> {
    return this.api().createService(spec);
  }
  updateService(ref: string, req: ServiceUpdateRequest): Promise<ServiceView> {
    return this.api().updateService(ref, req);
  }
  scaleService(ref: string, replicas: number): Promise<ServiceView> {
    return this.api().scaleService(ref, replicas);
  }
  removeService(ref: string): Promise<void> {
    return this.api().removeService(ref);
  }
  listTasks(filter: TaskFilter): Promise<Task[]> {
    return this.api().listTasks(filter);
  }
  getTask(ref: string): Promise<Task> {
    return this.api().getTask(ref);
  }
  listNodes(): Promise<Node[]> {
    return this.api().listNodes();
  }
  getNode(ref: string): Promise<Node> {
    return this.api().getNode(ref);
  }

  private api(): StoreControlApi {
    const api = this.d.cluster();
    if (!api)
      throw new SwarmletError(
        'NOT_INITIALIZED',
        'this node is not part of a cluster yet: run `swarmlet init` first',
      );
    return api;
  }
}
