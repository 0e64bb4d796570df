import { revise, rollback, serviceStatus } from './revision.js';
import {
  SwarmletError,
  isSwarmletError,
  toClusterView,
  toSecretView,
  type ClusterView,
  type Config,
  type ControlApi,
  type DataCreateRequest,
  type DataUpdateRequest,
  type SecretView,
  type ServiceSpec,
  type Network,
  type NetworkCreateRequest,
  type Node,
  type NodeRemoveOptions,
  type NodeUpdateRequest,
  type Service,
  type ServiceSpecInput,
  type ServiceUpdateRequest,
  type ServiceView,
  type Task,
  type TaskFilter,
  type EventsRequest,
  type EventStreamItem,
} from '@swarmlet/api-types';
import type { MemoryStore, ReadTx } from '@swarmlet/store';
import { EventLog, type EventLogOptions } from '../events/event-log.js';
import { EventFeed } from '../events/feed.js';
import { normalizeServiceSpec } from './spec.js';
import { removeNodeTx, updateNodeTx, validateNodeUpdate } from './nodes.js';
import { resolveNetwork, resolveNode, resolveService, resolveTask } from './resolve.js';
import { createNetworkTx, removeNetworkTx, resolveServiceNetworks, withVips } from './networks.js';
import {
  createConfigTx,
  createSecretTx,
  removeConfigTx,
  removeSecretTx,
  resolveConfig,
  resolveFileReferences,
  resolveSecret,
  updateConfigTx,
  updateSecretTx,
} from './secrets.js';

/**
 * The store-facing part of the control API; the daemon adds `info` and `init`, and serves logs
 * and volumes through the leader's dispatcher (./logs.ts, ./volumes.ts).
 */
export type StoreControlApi = Omit<
  ControlApi,
  'info' | 'init' | 'serviceLogs' | 'taskLogs' | 'listVolumes' | 'removeVolume'
>;

/**
 * Validates requests and writes the store; never touches containers. Components react to the
 * store changes (swarmkit's manager/controlapi).
 */
export class ControlServer implements StoreControlApi {
  /** This manager's cluster events, fed from its store since this server was built. */
  readonly eventLog: EventLog;
  private readonly eventFeed: EventFeed;

  constructor(
    private readonly store: MemoryStore,
    opts: { events?: EventLogOptions } = {},
  ) {
    this.eventLog = new EventLog(store.version, opts.events);
    this.eventFeed = new EventFeed(store, this.eventLog);
    this.eventFeed.start();
  }

  /** Stops following the store (the event log keeps what it has). */
  async close(): Promise<void> {
    await this.eventFeed.stop();
  }

  async events(req: EventsRequest, signal: AbortSignal): Promise<AsyncIterable<EventStreamItem>> {
    return this.eventLog.subscribe(req, signal);
  }

  async getCluster(): Promise<ClusterView> {
    const cluster = this.store.view((tx) => tx.find('cluster')[0]);
    if (!cluster)
      throw new SwarmletError(
        'NOT_INITIALIZED',
        'this node is not part of a cluster: run `swarmlet init`',
      );
    return toClusterView(cluster);
  }

  async listServices(): Promise<ServiceView[]> {
    return this.store.view((tx) => tx.find('service').map((s) => withStatus(tx, s)));
  }

  async getService(ref: string): Promise<ServiceView> {
    return this.store.view((tx) => withStatus(tx, resolveService(tx, ref)));
  }

  async createService(input: ServiceSpecInput): Promise<ServiceView> {
    const spec = normalizeServiceSpec(input);
    const svc = await this.store.update((tx) => {
      if (tx.find('service', (s) => s.spec.name === spec.name).length > 0) {
        throw new SwarmletError('ALREADY_EXISTS', `service ${spec.name} already exists`);
      }
      const networks = resolveServiceNetworks(tx, input.networks);
      const task = withFiles(tx, spec, input);
      const created = tx.create('service', { spec: { ...spec, task, networks } });
      return tx.update('service', withVips(tx, created));
    });
    return this.store.view((tx) => withStatus(tx, svc));
  }

  async updateService(ref: string, req: ServiceUpdateRequest): Promise<ServiceView> {
    const spec = normalizeServiceSpec(req.spec);
    const svc = await this.store.update((tx) => {
      const current = resolveService(tx, ref);
      if (req.version !== undefined && req.version !== current.meta.version) {
        throw new SwarmletError(
          'CONFLICT',
          `service ${current.spec.name} changed since version ${req.version} (now ${current.meta.version}); read it again`,
        );
      }
      if (spec.name !== current.spec.name) {
        throw new SwarmletError('INVALID_ARGUMENT', 'renaming a service is not supported');
      }
      if (spec.mode !== current.spec.mode)
        throw new SwarmletError(
          'INVALID_ARGUMENT',
          `a service's mode cannot change (${current.spec.mode} to ${spec.mode}): remove and create it again`,
        );
      const networks = resolveServiceNetworks(tx, req.spec.networks ?? current.spec.networks);
      const task = withFiles(tx, spec, req.spec);
      const next = revise(current, { ...spec, task, networks }, Date.now());
      return tx.update('service', withVips(tx, next));
    });
    return this.store.view((tx) => withStatus(tx, svc));
  }

  async rollbackService(ref: string): Promise<ServiceView> {
    const svc = await this.store.update((tx) => {
      const current = resolveService(tx, ref);
      return tx.update('service', withVips(tx, rollback(current, Date.now())));
    });
    return this.store.view((tx) => withStatus(tx, svc));
  }

  async scaleService(ref: string, replicas: number): Promise<ServiceView> {
    for (let attempt = 0; ; attempt++) {
      const current = this.store.view((tx) => resolveService(tx, ref));
      if (current.spec.mode.startsWith('global'))
        throw new SwarmletError(
          'INVALID_ARGUMENT',
          `service ${current.spec.name} is ${current.spec.mode}: scale can only be used with replicated or replicated-job mode`,
        );
      try {
        return await this.updateService(current.id, {
          version: current.meta.version,
          spec: { ...current.spec, replicas },
        });
      } catch (err) {
        if (!isSwarmletError(err, 'CONFLICT') || attempt >= 5) throw err;
      }
    }
  }

  async removeService(ref: string): Promise<void> {
    await this.store.update((tx) => tx.delete('service', resolveService(tx, ref).id));
  }

  async listTasks(filter: TaskFilter): Promise<Task[]> {
    return this.store.view((tx) => {
      let tasks = filter.service
        ? tx.tasksOfService(resolveService(tx, filter.service).id)
        : tx.find('task');
      if (filter.node) {
        const node = resolveNode(tx, filter.node);
        tasks = tasks.filter((t) => t.nodeId === node.id);
      }
      if (filter.desiredState) tasks = tasks.filter((t) => t.desiredState === filter.desiredState);
      return tasks.sort(byServiceSlotAge);
    });
  }

  async getTask(ref: string): Promise<Task> {
    return this.store.view((tx) => resolveTask(tx, ref));
  }

  async listNodes(): Promise<Node[]> {
    return this.store.view((tx) => tx.find('node'));
  }

  async getNode(ref: string): Promise<Node> {
    return this.store.view((tx) => resolveNode(tx, ref));
  }

  async updateNode(ref: string, req: NodeUpdateRequest): Promise<Node> {
    validateNodeUpdate(req);
    return this.store.update((tx) => updateNodeTx(tx, ref, req));
  }

  async removeNode(ref: string, opts: NodeRemoveOptions = {}): Promise<void> {
    await this.store.update((tx) => removeNodeTx(tx, ref, opts));
  }

  async createNetwork(req: NetworkCreateRequest): Promise<Network> {
    return this.store.update((tx) => createNetworkTx(tx, req));
  }

  async listNetworks(): Promise<Network[]> {
    return this.store.view((tx) => tx.find('network'));
  }

  async getNetwork(ref: string): Promise<Network> {
    return this.store.view((tx) => resolveNetwork(tx, ref));
  }

  async removeNetwork(ref: string): Promise<void> {
    await this.store.update((tx) => removeNetworkTx(tx, ref));
  }

  async createSecret(req: DataCreateRequest): Promise<SecretView> {
    return toSecretView(await this.store.update((tx) => createSecretTx(tx, req)));
  }

  async listSecrets(): Promise<SecretView[]> {
    return this.store.view((tx) => tx.find('secret').map(toSecretView));
  }

  async getSecret(ref: string): Promise<SecretView> {
    return this.store.view((tx) => toSecretView(resolveSecret(tx, ref)));
  }

  async updateSecret(ref: string, req: DataUpdateRequest): Promise<SecretView> {
    return toSecretView(await this.store.update((tx) => updateSecretTx(tx, ref, req)));
  }

  async removeSecret(ref: string): Promise<void> {
    await this.store.update((tx) => removeSecretTx(tx, ref));
  }

  async createConfig(req: DataCreateRequest): Promise<Config> {
    return this.store.update((tx) => createConfigTx(tx, req));
  }

  async listConfigs(): Promise<Config[]> {
    return this.store.view((tx) => tx.find('config'));
  }

  async getConfig(ref: string): Promise<Config> {
    return this.store.view((tx) => resolveConfig(tx, ref));
  }

  async updateConfig(ref: string, req: DataUpdateRequest): Promise<Config> {
    return this.store.update((tx) => updateConfigTx(tx, ref, req));
  }

  async removeConfig(ref: string): Promise<void> {
    await this.store.update((tx) => removeConfigTx(tx, ref));
  }
}

/** The task spec with its `--secret`/`--config` references resolved (dropped when none). */
function withFiles(tx: ReadTx, spec: ServiceSpec, input: ServiceSpecInput): ServiceSpec['task'] {
  const { secrets: _s, configs: _c, ...task } = spec.task;
  const secrets = resolveFileReferences(tx, 'secret', input.task.secrets);
  const configs = resolveFileReferences(tx, 'config', input.task.configs);
  return { ...task, ...(secrets ? { secrets } : {}), ...(configs ? { configs } : {}) };
}

function withStatus(tx: ReadTx, svc: Service): ServiceView {
  const nodes = new Map(tx.find('node').map((n) => [n.id, n]));
  return { ...svc, serviceStatus: serviceStatus(svc, tx.tasksOfService(svc.id), nodes) };
}

/** Service, then slot, then newest first: the order `service ps` prints history in. */
function byServiceSlotAge(a: Task, b: Task): number {
  if (a.serviceName !== b.serviceName) return a.serviceName < b.serviceName ? -1 : 1;
  if (a.slot !== b.slot) return a.slot - b.slot;
  return b.meta.createdAt.localeCompare(a.meta.createdAt) || b.meta.version - a.meta.version;
}
