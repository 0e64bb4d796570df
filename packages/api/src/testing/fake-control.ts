import type {
  Cluster,
  Config,
  ControlApi,
  DataCreateRequest,
  DataUpdateRequest,
  Secret,
  SecretView,
  Info,
  InitRequest,
  Network,
  NetworkCreateRequest,
  Node,
  NodeRemoveOptions,
  NodeUpdateRequest,
  Service,
  ServiceSpecInput,
  ServiceUpdateRequest,
  ServiceView,
  Task,
  TaskFilter,
  LogEntry,
  LogsRequest,
  VolumeList,
  VolumeRemoved,
  VolumeRequest,
  EventsRequest,
  EventStreamItem,
} from '@swarmlet/api-types';
import {
  invalid,
  isTerminalState,
  notFound,
  SwarmletError,
  toSecretView,
} from '@swarmlet/api-types';
import { FAKE_LIFECYCLE, fakeNode, fillSpec, newId, newMeta, newTask } from './fake-objects.js';
import { FakeLogBook } from './fake-logs.js';
import { FakeEvents } from './fake-events.js';

/** Options of the fake. */
export interface FakeControlOptions {
  /** Advance every task one life-cycle step on each `listTasks` call (for progress displays). */
  autoAdvance?: boolean;
  /** Start with a cluster, as after `swarmlet init`. Default true. */
  initialized?: boolean;
  /** Tasks whose image matches are rejected with "No such image" instead of starting. */
  rejectImage?: (image: string) => boolean;
}

const HISTORY_PER_SLOT = 5;

/**
 * An in-memory ControlApi for tests of the API, client and CLI: one manager node, services
 * resolved by id, id prefix or name, and a toy orchestrator that keeps one task per slot and
 * walks tasks new → running on `advance()`. Not thread-safe, not durable, not the manager.
 */
export class FakeControlApi implements ControlApi {
  cluster: Cluster | undefined;
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly nodes: Node[];
  /** Cluster events: service create, scale and remove emit them; tests may emit more. */
  readonly eventSource = new FakeEvents();
  /** Task log lines, log notices and volumes (see `FakeLogBook`). */
  readonly logBook = new FakeLogBook();
  private version = 1;
  private readonly opts: FakeControlOptions;

  constructor(opts: FakeControlOptions = {}) {
    this.opts = opts;
    this.nodes = [fakeNode('n0deaaaaaaaaaaaaaaaaaaaaa', 'host-1', this.version)];
    if (opts.initialized ?? true) this.cluster = this.newCluster({});
  }

  async info(): Promise<Info> {
    const tasks = [...this.tasks.values()];
    return {
      version: '0.1.0-fake',
      nodeId: this.nodes[0]?.id ?? '',
      clusterId: this.cluster?.id ?? '',
      state: this.cluster ? 'active' : 'inactive',
      role: 'manager',
      managers: 1,
      nodes: this.nodes.length,
      services: this.services.size,
      tasks: {
        running: tasks.filter((t) => t.status.state === 'running').length,
        total: tasks.length,
      },
      engine: { version: '27.0.3', apiVersion: '1.46' },
      dataDir: '/var/lib/swarmlet',
    };
  }

  async init(req: InitRequest): Promise<Cluster> {
    if (this.cluster) {
      throw new SwarmletError('ALREADY_INITIALIZED', 'this node is already part of a cluster');
    }
    this.cluster = this.newCluster(req);
    return this.cluster;
  }

  async getCluster(): Promise<Cluster> {
    return this.requireCluster();
  }

  async listServices(): Promise<ServiceView[]> {
    this.requireCluster();
    return [...this.services.values()].map((s) => this.view(s));
  }

  async getService(ref: string): Promise<ServiceView> {
    return this.view(this.resolveService(ref));
  }

  async createService(input: ServiceSpecInput): Promise<ServiceView> {
    this.requireCluster();
    const spec = fillSpec(input);
    if ([...this.services.values()].some((s) => s.spec.name === spec.name)) {
      throw new SwarmletError('ALREADY_EXISTS', `service ${spec.name} already exists`);
    }
    const service: Service = { id: newId(), meta: newMeta(++this.version), spec };
    this.services.set(service.id, service);
    this.eventSource.emit('service', 'create', service.id, { name: spec.name });
    this.reconcile(service);
    return this.view(service);
  }

  async updateService(ref: string, req: ServiceUpdateRequest): Promise<ServiceView> {
    const service = this.resolveService(ref);
    if (req.version !== undefined && req.version !== service.meta.version) {
      throw new SwarmletError(
        'CONFLICT',
        `service ${service.spec.name} changed since version ${req.version} (now ${service.meta.version})`,
      );
    }
    const spec = fillSpec(req.spec);
    if (spec.name !== service.spec.name) throw invalid('renaming a service is not supported');
    const taskChanged = JSON.stringify(spec.task) !== JSON.stringify(service.spec.task);
    if (taskChanged) {
      service.previousSpec = service.spec;
      service.updateStatus = {
        state: 'completed',
        startedAt: new Date().toISOString(),
        completedAt: new Date().toISOString(),
        message: 'update completed',
      };
    }
    service.spec = spec;
    service.meta = {
      ...service.meta,
      version: ++this.version,
      updatedAt: new Date().toISOString(),
    };
    if (taskChanged) this.liveTasks(service.id).forEach((t) => this.shutdown(t));
    this.reconcile(service);
    return this.view(service);
  }

  async scaleService(ref: string, replicas: number): Promise<ServiceView> {
    const service = this.resolveService(ref);
    if (service.spec.mode !== 'replicated') {
      throw new SwarmletError('FAILED_PRECONDITION', `scale can only be used with replicated mode`);
    }
    const old = String(service.spec.replicas);
    const view = await this.updateService(service.id, { spec: { ...service.spec, replicas } });
    const attributes = { name: service.spec.name, 'replicas.old': old };
    this.eventSource.emit('service', 'update', service.id, {
      ...attributes,
      'replicas.new': String(replicas),
    });
    return view;
  }

  /** Swaps spec and previous spec; the fake's tasks follow at once (rollback completed). */
  async rollbackService(ref: string): Promise<ServiceView> {
    const service = this.resolveService(ref);
    const previous = service.previousSpec;
    if (!previous)
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        `service ${service.spec.name} has no previous spec to roll back to`,
      );
    service.previousSpec = service.spec;
    service.spec = previous;
    service.meta = { ...service.meta, version: ++this.version };
    const now = new Date().toISOString();
    service.updateStatus = {
      state: 'rollback_completed',
      startedAt: now,
      completedAt: now,
      message: 'rollback completed',
    };
    this.liveTasks(service.id).forEach((t) => this.shutdown(t));
    this.reconcile(service);
    return this.view(service);
  }

  async removeService(ref: string): Promise<void> {
    const service = this.resolveService(ref);
    this.services.delete(service.id);
    for (const t of this.tasks.values()) if (t.serviceId === service.id) this.tasks.delete(t.id);
    this.eventSource.emit('service', 'remove', service.id, { name: service.spec.name });
  }

  async events(req: EventsRequest, signal: AbortSignal): Promise<AsyncIterable<EventStreamItem>> {
    return this.eventSource.open(req, signal);
  }

  async listTasks(filter: TaskFilter): Promise<Task[]> {
    this.requireCluster();
    if (this.opts.autoAdvance) this.advance();
    const serviceId =
      filter.service === undefined ? undefined : this.resolveService(filter.service).id;
    const nodeId = filter.node === undefined ? undefined : this.resolveNode(filter.node).id;
    return [...this.tasks.values()].filter(
      (t) =>
        (serviceId === undefined || t.serviceId === serviceId) &&
        (nodeId === undefined || t.nodeId === nodeId) &&
        (filter.desiredState === undefined || t.desiredState === filter.desiredState),
    );
  }

  async getTask(ref: string): Promise<Task> {
    this.requireCluster();
    return resolve([...this.tasks.values()], ref, () => undefined) ?? throwNotFound('task', ref);
  }

  async listNodes(): Promise<Node[]> {
    this.requireCluster();
    return this.nodes;
  }

  async serviceLogs(
    ref: string,
    req: LogsRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogEntry>> {
    const id = this.resolveService(ref).id;
    const tasks = [...this.tasks.values()].filter((t) => t.serviceId === id);
    return this.logBook.stream(tasks, this.nodes, req, signal);
  }

  async taskLogs(
    ref: string,
    req: LogsRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogEntry>> {
    return this.logBook.stream([await this.getTask(ref)], this.nodes, req, signal);
  }

  async listVolumes(req: VolumeRequest): Promise<VolumeList> {
    this.requireCluster();
    return this.logBook.listVolumes(req, (r) => this.resolveNode(r));
  }

  async removeVolume(name: string, req: VolumeRequest): Promise<VolumeRemoved> {
    this.requireCluster();
    return this.logBook.removeVolume(name, req, (r) => this.resolveNode(r));
  }

  async getNode(ref: string): Promise<Node> {
    return this.resolveNode(ref);
  }

  /** Like the manager's: version check, labels added then removed, last manager kept. */
  async updateNode(ref: string, req: NodeUpdateRequest): Promise<Node> {
    const node = this.resolveNode(ref);
    const name = node.description.hostname;
    if (req.version !== undefined && req.version !== node.meta.version) {
      throw new SwarmletError(
        'CONFLICT',
        `node ${name} changed since version ${req.version} (now ${node.meta.version})`,
      );
    }
    for (const key of Object.keys(req.labelAdd ?? {}))
      if (key === '' || key.includes('=')) throw invalid(`invalid label key "${key}"`);
    const labels = { ...node.spec.labels, ...req.labelAdd };
    for (const key of req.labelRm ?? []) {
      if (!Object.hasOwn(labels, key)) throw invalid(`key "${key}" doesn't exist in node's labels`);
      delete labels[key];
    }
    const role = req.role ?? node.spec.role;
    const managers = this.nodes.filter((n) => n.spec.role === 'manager').length;
    if (node.spec.role === 'manager' && role === 'worker' && managers <= 1) {
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        'cannot demote the last manager of the cluster',
      );
    }
    node.spec = { role, availability: req.availability ?? node.spec.availability, labels };
    node.meta = { ...node.meta, version: ++this.version, updatedAt: new Date().toISOString() };
    return structuredClone(node);
  }

  /** Like the manager's: never a manager, a READY node only with `force`; shuts its tasks down. */
  async removeNode(ref: string, opts: NodeRemoveOptions = {}): Promise<void> {
    const node = this.resolveNode(ref);
    const name = node.description.hostname;
    if (node.spec.role === 'manager') {
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        `node ${name} is a manager of the cluster: demote it first`,
      );
    }
    if (node.status.state === 'ready' && opts.force !== true) {
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        `node ${name} is still up; use --force to remove it`,
      );
    }
    this.nodes.splice(this.nodes.indexOf(node), 1);
    for (const t of this.tasks.values()) {
      if (t.nodeId === node.id && t.desiredState === 'running') this.shutdown(t);
    }
  }

  readonly networks: Network[] = [];

  /** Networks get consecutive /24s of 10.0.0.0/8 (no overlap check beyond the name). */
  async createNetwork(req: NetworkCreateRequest): Promise<Network> {
    if (this.networks.some((n) => n.spec.name === req.name)) {
      throw new SwarmletError('ALREADY_EXISTS', `network ${req.name} already exists`);
    }
    const i = this.networks.length;
    const subnet = req.subnet ?? `10.0.${i}.0/24`;
    const network: Network = {
      id: newId(),
      meta: newMeta(++this.version),
      spec: {
        name: req.name,
        driver: req.driver ?? 'overlay',
        labels: { ...(req.labels ?? {}) },
        attachable: req.attachable ?? false,
        subnet: req.subnet ?? '',
      },
      ipam: { subnet, gateway: subnet.replace(/0\/\d+$/, '1') },
      vni: 4096 + i,
    };
    this.networks.push(network);
    return network;
  }

  async listNetworks(): Promise<Network[]> {
    return this.networks;
  }

  async getNetwork(ref: string): Promise<Network> {
    const n = this.networks.find((x) => x.id === ref || x.spec.name === ref);
    if (!n) throw notFound('network', ref);
    return n;
  }

  async removeNetwork(ref: string): Promise<void> {
    const n = await this.getNetwork(ref);
    this.networks.splice(this.networks.indexOf(n), 1);
  }

  readonly secrets: Secret[] = [];
  readonly configs: Config[] = [];

  /** Secrets and configs: name uniqueness and base64 only (the manager checks the rest). */
  async createSecret(req: DataCreateRequest): Promise<SecretView> {
    const s = this.newData(this.secrets, 'secret', req);
    const secret: Secret = { ...s, spec: { ...s.spec, type: req.type ?? 'opaque' } };
    this.secrets.push(secret);
    return toSecretView(secret);
  }

  async listSecrets(): Promise<SecretView[]> {
    return this.secrets.map(toSecretView);
  }

  async getSecret(ref: string): Promise<SecretView> {
    return toSecretView(this.findData(this.secrets, 'secret', ref));
  }

  /** Like the manager's: the value the secret already has changes nothing. */
  async updateSecret(ref: string, req: DataUpdateRequest): Promise<SecretView> {
    const s = this.findData(this.secrets, 'secret', ref);
    if (s.spec.data === req.data) return toSecretView(s);
    s.spec.data = req.data;
    s.meta = newMeta(++this.version);
    return toSecretView(s);
  }

  async removeSecret(ref: string): Promise<void> {
    const s = this.findData(this.secrets, 'secret', ref);
    this.secrets.splice(this.secrets.indexOf(s), 1);
  }

  async createConfig(req: DataCreateRequest): Promise<Config> {
    const c = this.newData(this.configs, 'config', req);
    this.configs.push(c);
    return c;
  }

  async listConfigs(): Promise<Config[]> {
    return this.configs;
  }

  async getConfig(ref: string): Promise<Config> {
    return this.findData(this.configs, 'config', ref);
  }

  async updateConfig(ref: string, req: DataUpdateRequest): Promise<Config> {
    const c = this.findData(this.configs, 'config', ref);
    c.spec.data = req.data;
    c.meta = newMeta(++this.version);
    return c;
  }

  async removeConfig(ref: string): Promise<void> {
    const c = this.findData(this.configs, 'config', ref);
    this.configs.splice(this.configs.indexOf(c), 1);
  }

  private newData(all: (Secret | Config)[], kind: string, req: DataCreateRequest): Config {
    if (all.some((o) => o.spec.name === req.name))
      throw new SwarmletError('ALREADY_EXISTS', `${kind} ${req.name} already exists`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(req.data)) throw invalid(`${kind} data must be base64`);
    return {
      id: newId(),
      meta: newMeta(++this.version),
      spec: { name: req.name, labels: { ...(req.labels ?? {}) }, data: req.data },
    };
  }

  private findData<T extends Secret | Config>(all: T[], kind: string, ref: string): T {
    const found = all.find((o) => o.id === ref || o.spec.name === ref);
    if (!found) throw notFound(kind, ref);
    return found;
  }

  /** One step of the toy agent and orchestrator: every task moves one state forward. */
  advance(): void {
    for (const task of this.tasks.values()) this.step(task);
    for (const service of this.services.values()) this.reconcile(service);
  }

  private step(task: Task): void {
    const state = task.status.state;
    if (isTerminalState(state)) return;
    if (task.desiredState !== 'running') return this.setState(task, 'shutdown', '');
    if (state === 'assigned' && this.opts.rejectImage?.(task.spec.container.image)) {
      return this.setState(task, 'rejected', `No such image: ${task.spec.container.image}`);
    }
    const next = FAKE_LIFECYCLE[FAKE_LIFECYCLE.indexOf(state) + 1];
    if (next === undefined) return;
    if (next === 'assigned') task.nodeId = this.nodes[0]?.id ?? '';
    this.setState(task, next, '');
  }

  private setState(task: Task, state: Task['status']['state'], err: string): void {
    const now = new Date().toISOString();
    task.status = { ...task.status, state, err, timestamp: now, message: state };
    task.meta = { ...task.meta, version: ++this.version, updatedAt: now };
  }

  /** Keeps one live task per slot 1..replicas and shuts down the rest. */
  private reconcile(service: Service): void {
    const live = this.liveTasks(service.id);
    for (const t of live) {
      if (t.slot > service.spec.replicas || isTerminalState(t.status.state)) this.shutdown(t);
    }
    for (let slot = 1; slot <= service.spec.replicas; slot++) {
      if (this.liveTasks(service.id).some((t) => t.slot === slot)) continue;
      const task = newTask(service, slot, ++this.version);
      this.tasks.set(task.id, task);
      this.trimHistory(service.id, slot);
    }
  }

  private trimHistory(serviceId: string, slot: number): void {
    const old = [...this.tasks.values()].filter(
      (t) => t.serviceId === serviceId && t.slot === slot && t.desiredState !== 'running',
    );
    for (const t of old.slice(0, Math.max(0, old.length - HISTORY_PER_SLOT)))
      this.tasks.delete(t.id);
  }

  private liveTasks(serviceId: string): Task[] {
    return [...this.tasks.values()].filter(
      (t) => t.serviceId === serviceId && t.desiredState === 'running',
    );
  }

  private shutdown(task: Task): void {
    task.desiredState = 'shutdown';
    task.meta = { ...task.meta, version: ++this.version };
  }

  private view(service: Service): ServiceView {
    const running = this.liveTasks(service.id).filter((t) => t.status.state === 'running').length;
    return {
      ...structuredClone(service),
      serviceStatus: { runningTasks: running, desiredTasks: service.spec.replicas },
    };
  }

  private resolveService(ref: string): Service {
    this.requireCluster();
    const all = [...this.services.values()];
    return resolve(all, ref, (s) => s.spec.name) ?? throwNotFound('service', ref);
  }

  private resolveNode(ref: string): Node {
    this.requireCluster();
    return resolve(this.nodes, ref, (n) => n.description.hostname) ?? throwNotFound('node', ref);
  }

  private requireCluster(): Cluster {
    if (this.cluster) return this.cluster;
    throw new SwarmletError(
      'NOT_INITIALIZED',
      'this node is not a cluster manager: run "swarmlet init" first',
    );
  }

  private newCluster(req: InitRequest): Cluster {
    return {
      id: newId(),
      meta: newMeta(++this.version),
      spec: {
        name: req.clusterName ?? 'default',
        orchestration: { taskHistoryRetentionLimit: req.taskHistoryRetentionLimit ?? 5 },
        dispatcher: { heartbeatPeriodMs: req.heartbeatPeriodMs ?? 5000 },
      },
    };
  }
}

/** Finds by exact id, then name, then unique id prefix; an ambiguous prefix is an error. */
function resolve<T extends { id: string }>(
  all: T[],
  ref: string,
  nameOf: (x: T) => string | undefined,
): T | undefined {
  const exact = all.find((x) => x.id === ref) ?? all.find((x) => nameOf(x) === ref);
  if (exact) return exact;
  const prefixed = all.filter((x) => x.id.startsWith(ref));
  if (prefixed.length > 1)
    throw invalid(`${ref} is ambiguous: it matches ${prefixed.length} objects`);
  return prefixed[0];
}

function throwNotFound(kind: string, ref: string): never {
  throw notFound(kind, ref);
}
