import {
  SwarmletError,
  isSwarmletError,
  type ApiTokenCreateRequest,
  type ApiTokenCreated,
  type ApiTokenInfo,
  type ClusterView,
  type Config,
  type DataCreateRequest,
  type DataUpdateRequest,
  type SecretView,
  type ControlApi,
  type Info,
  type InitRequest,
  type JoinRequest,
  type JoinResult,
  type JoinTokens,
  type LeaveRequest,
  type Network,
  type NetworkCreateRequest,
  type Node,
  type NodeRemoveOptions,
  type NodeUpdateRequest,
  type ServiceSpecInput,
  type ServiceUpdateRequest,
  type ServiceView,
  type SwarmApi,
  type Task,
  type TaskFilter,
  type SwarmUpdateRequest,
  type UnlockKey,
  type UnlockRequest,
  type EventsRequest,
  type EventStreamItem,
  type LogEntry,
  type LogsRequest,
  type VolumeList,
  type VolumeRemoved,
  type VolumeRequest,
} from '@swarmlet/api-types';
import { SwarmletClient } from '@swarmlet/client';
import {
  listVolumes,
  openLogs,
  removeVolume,
  type Dispatcher,
  type StoreControlApi,
} from '@swarmlet/manager';
import type { ClusterOps } from './cluster/cluster-ops.js';
import { checkServerIsManager } from './cluster/tls-check.js';
import type { Daemon } from './daemon.js';
import { VERSION } from './version.js';

type Local = { api: StoreControlApi; ops: ClusterOps };
type ManagerStore = NonNullable<Daemon['manager']>['store'];

/**
 * The daemon's `ControlApi` and `SwarmApi`. `info`, `init`, `join` and `leave` act on this node.
 * Everything else needs a manager: reads are served from this manager's store (the API makes
 * them linearizable first), writes run on the leader, so a follower forwards them over mutual
 * TLS with its own manager certificate. On a worker they fail with FAILED_PRECONDITION, as
 * Docker's "This node is not a swarm manager".
 */
export class DaemonControl implements ControlApi, SwarmApi {
  private leaderClient: { key: string; client: SwarmletClient } | undefined;

  constructor(private readonly d: Daemon) {}

  async info(): Promise<Info> {
    const d = this.d;
    const mgr = d.manager;
    const counts = mgr
      ? mgr.store.view((tx) => {
          const tasks = tx.find('task');
          return {
            clusterId: tx.find('cluster')[0]?.id ?? '',
            managers: tx.find('node', (n) => n.spec.role === 'manager').length,
            nodes: tx.find('node').length,
            services: tx.find('service').length,
            tasks: {
              running: tasks.filter((t) => t.status.state === 'running').length,
              total: tasks.length,
            },
          };
        })
      : {
          clusterId: d.membership?.clusterId ?? '',
          managers: 0,
          nodes: 0,
          services: 0,
          tasks: { running: 0, total: 0 },
        };
    const engine = await d
      .describe()
      .then(async (desc) => ({ version: desc.engine.version, apiVersion: await d.apiVersion() }))
      .catch(() => ({ version: 'unreachable', apiVersion: '' }));
    const m = d.membership;
    return {
      version: VERSION,
      nodeId: d.nodeId,
      state: d.locked ? 'locked' : m ? 'active' : 'inactive',
      dataDir: d.cfg.dataDir,
      engine,
      ...counts,
      role: m?.role ?? '',
      ...(m ? { addr: m.advertiseAddr, managerAddrs: d.knownManagers() } : {}),
      ...(mgr ? { leader: mgr.leaderId, isLeader: mgr.isLeader } : {}),
      ...(d.certs ? { certExpiresAt: d.certs.identity.notAfter.toISOString() } : {}),
    };
  }

  init(req: InitRequest): Promise<ClusterView> {
    return this.d.init(req);
  }
  join(req: JoinRequest): Promise<JoinResult> {
    return this.d.join(req);
  }
  leave(req: LeaveRequest): Promise<void> {
    return this.d.leave(req);
  }

  getCluster(): Promise<ClusterView> {
    return this.read().api.getCluster();
  }
  listServices(): Promise<ServiceView[]> {
    return this.read().api.listServices();
  }
  getService(ref: string): Promise<ServiceView> {
    return this.read().api.getService(ref);
  }
  listTasks(filter: TaskFilter): Promise<Task[]> {
    return this.read().api.listTasks(filter);
  }
  getTask(ref: string): Promise<Task> {
    return this.read().api.getTask(ref);
  }
  listNodes(): Promise<Node[]> {
    return this.read().api.listNodes();
  }
  getNode(ref: string): Promise<Node> {
    return this.read().api.getNode(ref);
  }
  listNetworks(): Promise<Network[]> {
    return this.read().api.listNetworks();
  }
  getNetwork(ref: string): Promise<Network> {
    return this.read().api.getNetwork(ref);
  }
  createNetwork(req: NetworkCreateRequest): Promise<Network> {
    return this.write(
      (l) => l.api.createNetwork(req),
      (c) => c.createNetwork(req),
    );
  }
  removeNetwork(ref: string): Promise<void> {
    return this.write(
      (l) => l.api.removeNetwork(ref),
      (c) => c.removeNetwork(ref),
    );
  }
  listSecrets(): Promise<SecretView[]> {
    return this.read().api.listSecrets();
  }
  getSecret(ref: string): Promise<SecretView> {
    return this.read().api.getSecret(ref);
  }
  createSecret(req: DataCreateRequest): Promise<SecretView> {
    return this.write(
      (l) => l.api.createSecret(req),
      (c) => c.createSecret(req),
    );
  }
  updateSecret(ref: string, req: DataUpdateRequest): Promise<SecretView> {
    return this.write(
      (l) => l.api.updateSecret(ref, req),
      (c) => c.updateSecret(ref, req),
    );
  }
  removeSecret(ref: string): Promise<void> {
    return this.write(
      (l) => l.api.removeSecret(ref),
      (c) => c.removeSecret(ref),
    );
  }
  listConfigs(): Promise<Config[]> {
    return this.read().api.listConfigs();
  }
  getConfig(ref: string): Promise<Config> {
    return this.read().api.getConfig(ref);
  }
  createConfig(req: DataCreateRequest): Promise<Config> {
    return this.write(
      (l) => l.api.createConfig(req),
      (c) => c.createConfig(req),
    );
  }
  updateConfig(ref: string, req: DataUpdateRequest): Promise<Config> {
    return this.write(
      (l) => l.api.updateConfig(ref, req),
      (c) => c.updateConfig(ref, req),
    );
  }
  removeConfig(ref: string): Promise<void> {
    return this.write(
      (l) => l.api.removeConfig(ref),
      (c) => c.removeConfig(ref),
    );
  }
  /** Served by this manager from its own store, leader or not (nothing is forwarded). */
  events(req: EventsRequest, signal: AbortSignal): Promise<AsyncIterable<EventStreamItem>> {
    return this.read().api.events(req, signal);
  }
  async joinTokens(): Promise<JoinTokens> {
    return this.read().ops.joinTokens();
  }
  async listApiTokens(): Promise<ApiTokenInfo[]> {
    return this.read().ops.listApiTokens();
  }

  createService(spec: ServiceSpecInput): Promise<ServiceView> {
    return this.write(
      (l) => l.api.createService(spec),
      (c) => c.createService(spec),
    );
  }
  updateService(ref: string, req: ServiceUpdateRequest): Promise<ServiceView> {
    return this.write(
      (l) => l.api.updateService(ref, req),
      (c) => c.updateService(ref, req),
    );
  }
  scaleService(ref: string, replicas: number): Promise<ServiceView> {
    return this.write(
      (l) => l.api.scaleService(ref, replicas),
      (c) => c.scaleService(ref, replicas),
    );
  }
  rollbackService(ref: string): Promise<ServiceView> {
    return this.write(
      (l) => l.api.rollbackService(ref),
      (c) => c.rollbackService(ref),
    );
  }
  removeService(ref: string): Promise<void> {
    return this.write(
      (l) => l.api.removeService(ref),
      (c) => c.removeService(ref),
    );
  }
  updateNode(ref: string, req: NodeUpdateRequest): Promise<Node> {
    return this.write(
      (l) => l.api.updateNode(ref, req),
      (c) => c.updateNode(ref, req),
    );
  }
  removeNode(ref: string, opts?: NodeRemoveOptions): Promise<void> {
    return this.write(
      (l) => l.api.removeNode(ref, opts),
      (c) => c.removeNode(ref, opts),
    );
  }
  rotateJoinToken(role: 'worker' | 'manager'): Promise<JoinTokens> {
    return this.write(
      (l) => l.ops.rotateJoinToken(role),
      (c) => c.rotateJoinToken(role),
    );
  }
  createApiToken(req: ApiTokenCreateRequest): Promise<ApiTokenCreated> {
    return this.write(
      (l) => l.ops.createApiToken(req),
      (c) => c.createApiToken(req),
    );
  }
  removeApiToken(ref: string): Promise<void> {
    return this.write(
      (l) => l.ops.removeApiToken(ref),
      (c) => c.removeApiToken(ref),
    );
  }
  updateSwarm(req: SwarmUpdateRequest): Promise<UnlockKey> {
    return this.write(
      (l) => l.ops.updateSwarm(req),
      (c) => c.updateSwarm(req),
    );
  }
  async unlockKey(rotate = false): Promise<UnlockKey> {
    if (!rotate) return this.read().ops.unlockKey(false);
    return this.write(
      (l) => l.ops.unlockKey(true),
      (c) => c.unlockKey(true),
    );
  }
  unlock(req: UnlockRequest): Promise<void> {
    return this.d.unlock(req.unlockKey);
  }

  // Logs and volumes go through agent sessions, which only the leader holds: a follower forwards
  // them like writes (streams included: the leader's NDJSON is relayed line by line).
  serviceLogs(
    ref: string,
    req: LogsRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogEntry>> {
    return this.write(
      async () => openLogs(this.leaderDeps(), { service: ref }, req, signal),
      (c) => c.serviceLogs(ref, req, signal),
    );
  }
  taskLogs(ref: string, req: LogsRequest, signal: AbortSignal): Promise<AsyncIterable<LogEntry>> {
    return this.write(
      async () => openLogs(this.leaderDeps(), { task: ref }, req, signal),
      (c) => c.taskLogs(ref, req, signal),
    );
  }
  listVolumes(req: VolumeRequest): Promise<VolumeList> {
    return this.write(
      () => listVolumes(this.leaderDeps(), req),
      (c) => c.listVolumes(req),
    );
  }
  removeVolume(name: string, req: VolumeRequest): Promise<VolumeRemoved> {
    return this.write(
      () => removeVolume(this.leaderDeps(), name, req),
      (c) => c.removeVolume(name, req),
    );
  }

  /** The leader's store and dispatcher (UNAVAILABLE while its control loops are starting). */
  private leaderDeps(): { store: ManagerStore; source: Dispatcher } {
    const mgr = this.d.manager;
    const source = mgr?.dispatcher();
    if (!mgr || !source) {
      throw new SwarmletError(
        'UNAVAILABLE',
        'this manager is becoming the leader and holds no agent sessions yet: retry in a moment',
      );
    }
    return { store: mgr.store, source };
  }

  private local(): Local {
    const rt = this.d.runtime;
    if (rt) return { api: rt.mgr.control, ops: rt.ops };
    if (this.d.locked) {
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        'this manager is locked (autolock): run `swarmlet unlock` and give the unlock key',
      );
    }
    if (this.d.membership) {
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        'this node is a worker: worker nodes cannot view or change cluster state; ' +
          'run the command on a manager',
      );
    }
    throw new SwarmletError(
      'NOT_INITIALIZED',
      'this node is not part of a cluster yet: run `swarmlet init` or `swarmlet join`',
    );
  }

  private read(): Local {
    return this.local();
  }

  /** Runs a write on the leader: here if this manager leads, else forwarded to it. */
  private async write<T>(
    here: (l: Local) => Promise<T>,
    there: (c: SwarmletClient) => Promise<T>,
  ): Promise<T> {
    const l = this.local();
    const mgr = this.d.manager;
    if (!mgr || mgr.isLeader) return here(l);
    const addr = mgr.leaderAddr();
    if (!addr) {
      throw new SwarmletError(
        'UNAVAILABLE',
        'no Raft leader: the managers cannot reach a quorum (see `swarmlet node ls`; ' +
          '`swarmlet init --force-new-cluster` recovers from a permanent loss)',
      );
    }
    try {
      return await there(this.clientFor(addr));
    } catch (err) {
      // The leader's own answers (validation, conflicts...) pass through; failing to get one is
      // this manager's problem to explain, not "the daemon" the CLI talks to.
      if (!isSwarmletError(err, 'UNAVAILABLE')) throw err;
      // The leader answered that it is not the leader, or that a node did not answer it.
      if (err.details?.['leader'] !== undefined || err.details?.['nodeId'] !== undefined) throw err;
      throw new SwarmletError(
        'UNAVAILABLE',
        `this manager could not reach the leader at ${addr} (${err.message}); ` +
          'it may be cut off from the other managers: retry, or use another manager',
        { cause: err },
      );
    }
  }

  private clientFor(addr: string): SwarmletClient {
    const tls = this.d.requireCerts().tls();
    const key = `${addr}\n${tls.cert}`;
    if (this.leaderClient?.key !== key) {
      void this.leaderClient?.client.close();
      this.leaderClient = {
        key,
        client: new SwarmletClient({
          url: `https://${addr}`,
          tls: { ...tls, checkServerIdentity: checkServerIsManager },
          // A leader answers within its election timeout even when it lost quorum (it steps
          // down and fails the write); no answer by then means it is unreachable.
          timeoutMs: 8_000,
          connectTimeoutMs: 3_000,
        }),
      };
    }
    return this.leaderClient.client;
  }
}
