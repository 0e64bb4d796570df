import type {
  ApiTokenCreateRequest,
  ApiTokenCreated,
  ApiTokenInfo,
  ClusterView,
  Config,
  DataCreateRequest,
  DataUpdateRequest,
  SecretView,
  ControlApi,
  JoinRequest,
  JoinResult,
  JoinTokens,
  LeaveRequest,
  Network,
  NetworkCreateRequest,
  SwarmApi,
  SwarmUpdateRequest,
  UnlockKey,
  UnlockRequest,
  Info,
  InitRequest,
  Node,
  NodeRemoveOptions,
  NodeUpdateRequest,
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
import { readNdjson } from './ndjson.js';
import { eventItems, readSse } from './sse.js';
import { HttpTransport, type Endpoint } from './transport.js';

/** How to reach the daemon, plus the per-request timeout (default 60 s). */
export type SwarmletClientOptions = Endpoint & { timeoutMs?: number };

const seg = encodeURIComponent;

/**
 * ControlApi over the REST API (`@swarmlet/api`). Errors come back as the server's
 * `SwarmletError` (same code and message); an unreachable daemon is `UNAVAILABLE`.
 * Call `close()` when done: the client keeps connections alive.
 */
export class SwarmletClient implements ControlApi, SwarmApi {
  private readonly http: HttpTransport;

  constructor(opts: SwarmletClientOptions) {
    const { timeoutMs, ...endpoint } = opts;
    this.http = new HttpTransport(endpoint as Endpoint, timeoutMs);
  }

  /** `unix:///path` or the URL origin, for messages. */
  get target(): string {
    return this.http.target;
  }

  info(): Promise<Info> {
    return this.http.call('GET', '/v1/info');
  }

  init(req: InitRequest): Promise<ClusterView> {
    return this.http.call('POST', '/v1/cluster/init', { body: req });
  }

  getCluster(): Promise<ClusterView> {
    return this.http.call('GET', '/v1/cluster');
  }

  listServices(): Promise<ServiceView[]> {
    return this.http.call('GET', '/v1/services');
  }

  getService(ref: string): Promise<ServiceView> {
    return this.http.call('GET', `/v1/services/${seg(ref)}`);
  }

  createService(spec: ServiceSpecInput): Promise<ServiceView> {
    return this.http.call('POST', '/v1/services', { body: spec });
  }

  updateService(ref: string, req: ServiceUpdateRequest): Promise<ServiceView> {
    return this.http.call('POST', `/v1/services/${seg(ref)}/update`, { body: req });
  }

  scaleService(ref: string, replicas: number): Promise<ServiceView> {
    return this.http.call('POST', `/v1/services/${seg(ref)}/scale`, { body: { replicas } });
  }

  rollbackService(ref: string): Promise<ServiceView> {
    return this.http.call('POST', `/v1/services/${seg(ref)}/rollback`);
  }

  removeService(ref: string): Promise<void> {
    return this.http.call('DELETE', `/v1/services/${seg(ref)}`);
  }

  listTasks(filter: TaskFilter): Promise<Task[]> {
    return this.http.call('GET', '/v1/tasks', { query: { ...filter } });
  }

  getTask(ref: string): Promise<Task> {
    return this.http.call('GET', `/v1/tasks/${seg(ref)}`);
  }

  serviceLogs(
    ref: string,
    req: LogsRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogEntry>> {
    return this.logs(`/v1/services/${seg(ref)}/logs`, req, signal);
  }

  taskLogs(ref: string, req: LogsRequest, signal: AbortSignal): Promise<AsyncIterable<LogEntry>> {
    return this.logs(`/v1/tasks/${seg(ref)}/logs`, req, signal);
  }

  listVolumes(req: VolumeRequest): Promise<VolumeList> {
    return this.http.call('GET', '/v1/volumes', { query: { node: req.node } });
  }

  removeVolume(name: string, req: VolumeRequest): Promise<VolumeRemoved> {
    return this.http.call('DELETE', `/v1/volumes/${seg(name)}`, { query: { node: req.node } });
  }

  /**
   * Opens `GET /v1/events` (server-sent events); resolves once the daemon accepted the request.
   * Filter values travel comma-separated. Aborting `signal` ends the iteration quietly.
   */
  async events(req: EventsRequest, signal: AbortSignal): Promise<AsyncIterable<EventStreamItem>> {
    const f = req.filters ?? {};
    const join = (v: readonly string[] | undefined) => (v?.length ? v.join(',') : undefined);
    const query = {
      type: join(f.type),
      event: join(f.event),
      name: join(f.name),
      id: join(f.id),
      since: req.since,
      until: req.until,
      lastEventId: req.lastEventId,
    };
    const body = await this.http.open('/v1/events', { query, signal });
    return quietOnAbort(eventItems(readSse(body)), signal);
  }

  /** Opens an NDJSON log stream; aborting `signal` ends it quietly and closes the connection. */
  private async logs(
    path: string,
    req: LogsRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogEntry>> {
    const query = {
      follow: req.follow ? 'true' : undefined,
      tail: req.tail === undefined ? undefined : String(req.tail),
      since: req.since,
      timestamps: req.timestamps === false ? 'false' : undefined,
    };
    const body = await this.http.open(path, { query, signal });
    return quietOnAbort(readNdjson<LogEntry>(body), signal);
  }

  listNodes(): Promise<Node[]> {
    return this.http.call('GET', '/v1/nodes');
  }

  getNode(ref: string): Promise<Node> {
    return this.http.call('GET', `/v1/nodes/${seg(ref)}`);
  }

  updateNode(ref: string, req: NodeUpdateRequest): Promise<Node> {
    return this.http.call('POST', `/v1/nodes/${seg(ref)}/update`, { body: req });
  }

  removeNode(ref: string, opts: NodeRemoveOptions = {}): Promise<void> {
    const query = opts.force ? { force: 'true' } : {};
    return this.http.call('DELETE', `/v1/nodes/${seg(ref)}`, { query });
  }

  createNetwork(req: NetworkCreateRequest): Promise<Network> {
    return this.http.call('POST', '/v1/networks', { body: req });
  }

  listNetworks(): Promise<Network[]> {
    return this.http.call('GET', '/v1/networks');
  }

  getNetwork(ref: string): Promise<Network> {
    return this.http.call('GET', `/v1/networks/${seg(ref)}`);
  }

  removeNetwork(ref: string): Promise<void> {
    return this.http.call('DELETE', `/v1/networks/${seg(ref)}`);
  }

  createSecret(req: DataCreateRequest): Promise<SecretView> {
    return this.http.call('POST', '/v1/secrets', { body: req });
  }

  listSecrets(): Promise<SecretView[]> {
    return this.http.call('GET', '/v1/secrets');
  }

  getSecret(ref: string): Promise<SecretView> {
    return this.http.call('GET', `/v1/secrets/${seg(ref)}`);
  }

  updateSecret(ref: string, req: DataUpdateRequest): Promise<SecretView> {
    return this.http.call('POST', `/v1/secrets/${seg(ref)}/update`, { body: req });
  }

  removeSecret(ref: string): Promise<void> {
    return this.http.call('DELETE', `/v1/secrets/${seg(ref)}`);
  }

  createConfig(req: DataCreateRequest): Promise<Config> {
    return this.http.call('POST', '/v1/configs', { body: req });
  }

  listConfigs(): Promise<Config[]> {
    return this.http.call('GET', '/v1/configs');
  }

  getConfig(ref: string): Promise<Config> {
    return this.http.call('GET', `/v1/configs/${seg(ref)}`);
  }

  updateConfig(ref: string, req: DataUpdateRequest): Promise<Config> {
    return this.http.call('POST', `/v1/configs/${seg(ref)}/update`, { body: req });
  }

  removeConfig(ref: string): Promise<void> {
    return this.http.call('DELETE', `/v1/configs/${seg(ref)}`);
  }

  join(req: JoinRequest): Promise<JoinResult> {
    return this.http.call('POST', '/v1/swarm/join', { body: req });
  }

  leave(req: LeaveRequest): Promise<void> {
    return this.http.call('POST', '/v1/swarm/leave', { body: req });
  }

  joinTokens(): Promise<JoinTokens> {
    return this.http.call('GET', '/v1/swarm/join-tokens');
  }

  rotateJoinToken(role: 'worker' | 'manager'): Promise<JoinTokens> {
    return this.http.call('POST', '/v1/swarm/join-tokens/rotate', { body: { role } });
  }

  createApiToken(req: ApiTokenCreateRequest): Promise<ApiTokenCreated> {
    return this.http.call('POST', '/v1/tokens', { body: req });
  }

  listApiTokens(): Promise<ApiTokenInfo[]> {
    return this.http.call('GET', '/v1/tokens');
  }

  removeApiToken(ref: string): Promise<void> {
    return this.http.call('DELETE', `/v1/tokens/${seg(ref)}`);
  }

  updateSwarm(req: SwarmUpdateRequest): Promise<UnlockKey> {
    return this.http.call('POST', '/v1/swarm/update', { body: req });
  }

  unlockKey(rotate = false): Promise<UnlockKey> {
    return rotate
      ? this.http.call('POST', '/v1/swarm/unlockkey/rotate')
      : this.http.call('GET', '/v1/swarm/unlockkey');
  }

  unlock(req: UnlockRequest): Promise<void> {
    return this.http.call('POST', '/v1/swarm/unlock', { body: req });
  }

  /** Closes kept-alive connections; the client is unusable afterwards. */
  close(): Promise<void> {
    return this.http.close();
  }
}

async function* quietOnAbort<T>(items: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
