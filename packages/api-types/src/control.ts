import { Type, type Static } from 'typebox';
import type {
  ClusterView,
  Config,
  DataCreateRequest,
  DataUpdateRequest,
  Network,
  NetworkCreateRequest,
  SecretView,
} from './cluster.js';
import type { Info, InitRequest } from './info.js';
import type { Node, NodeRemoveOptions, NodeUpdateRequest } from './node.js';
import { ServiceSchema, ServiceSpecInputSchema, type ServiceSpecInput } from './service.js';
import type { Task } from './task.js';
import type { LogEntry, LogsRequest, VolumeList, VolumeRemoved, VolumeRequest } from './logs.js';
import { TaskStateSchema } from './common.js';
import type { EventStreamItem, EventsRequest } from './events.js';

export const ServiceStatusSchema = Type.Object({
  /** Tasks whose observed state is running. */
  runningTasks: Type.Integer(),
  /** Tasks that should be running (replicas for replicated services). */
  desiredTasks: Type.Integer(),
  /** Tasks that completed (jobs: of the current iteration). */
  completedTasks: Type.Optional(Type.Integer()),
  /** Jobs: `running`, `completed`, or `failed` with the reason in `jobMessage`. */
  jobState: Type.Optional(Type.Enum(['running', 'completed', 'failed'] as const)),
  jobMessage: Type.Optional(Type.String()),
});
export type ServiceStatus = Static<typeof ServiceStatusSchema>;

/** A service as listed by the API: the stored object plus live task counts. */
export const ServiceViewSchema = Type.Intersect([
  ServiceSchema,
  Type.Object({ serviceStatus: ServiceStatusSchema }),
]);
export type ServiceView = Static<typeof ServiceViewSchema>;

export const TaskFilterSchema = Type.Object({
  /** Service id, id prefix or name. */
  service: Type.Optional(Type.String()),
  /** Node id, id prefix or hostname. */
  node: Type.Optional(Type.String()),
  desiredState: Type.Optional(TaskStateSchema),
});
export type TaskFilter = Static<typeof TaskFilterSchema>;

export const ServiceUpdateRequestSchema = Type.Object({
  /** Version the client read; the update fails with CONFLICT if the service changed since. */
  version: Type.Optional(Type.Integer({ minimum: 0 })),
  spec: ServiceSpecInputSchema,
});
export interface ServiceUpdateRequest {
  version?: number;
  spec: ServiceSpecInput;
}

/**
 * The control API, as one interface with three implementations: the manager's controlapi
 * (validates and writes the store), the REST API (serves it over HTTP) and the client
 * (calls it over HTTP). References (`ref`) accept an id, a unique id prefix or a name.
 * Errors are `SwarmletError`s.
 */
export interface ControlApi {
  info(): Promise<Info>;
  init(req: InitRequest): Promise<ClusterView>;
  getCluster(): Promise<ClusterView>;
  listServices(): Promise<ServiceView[]>;
  getService(ref: string): Promise<ServiceView>;
  createService(spec: ServiceSpecInput): Promise<ServiceView>;
  updateService(ref: string, req: ServiceUpdateRequest): Promise<ServiceView>;
  /** Sets replicas of a replicated service (read-modify-write with retry on CONFLICT). */
  scaleService(ref: string, replicas: number): Promise<ServiceView>;
  /**
   * Returns the service to its previous spec, rolled with its rollback config (`service
   * rollback`). FAILED_PRECONDITION without a previous spec, or for a job.
   */
  rollbackService(ref: string): Promise<ServiceView>;
  removeService(ref: string): Promise<void>;
  listTasks(filter: TaskFilter): Promise<Task[]>;
  getTask(ref: string): Promise<Task>;
  listNodes(): Promise<Node[]>;
  getNode(ref: string): Promise<Node>;
  /**
   * Changes a node's availability, labels or role (see `NodeUpdateRequest`) and answers the node
   * as written. Draining moves its tasks to other nodes; pausing keeps them but places no new
   * ones. Demoting the last manager fails with FAILED_PRECONDITION.
   */
  updateNode(ref: string, req: NodeUpdateRequest): Promise<Node>;
  /**
   * Deletes a node from the cluster; its tasks are shut down and replaced elsewhere. Fails with
   * FAILED_PRECONDITION for a manager (demote it first) and, unless `force`, for a READY node.
   */
  removeNode(ref: string, opts?: NodeRemoveOptions): Promise<void>;
  /** Creates an overlay network; its subnet is allocated at once (FAILED_PRECONDITION if none is free). */
  createNetwork(req: NetworkCreateRequest): Promise<Network>;
  listNetworks(): Promise<Network[]>;
  getNetwork(ref: string): Promise<Network>;
  /** FAILED_PRECONDITION while a service uses the network. */
  removeNetwork(ref: string): Promise<void>;
  /** INVALID_ARGUMENT past 500 KB, for a bad name, or a `tls` secret without a matching pair. */
  createSecret(req: DataCreateRequest): Promise<SecretView>;
  listSecrets(): Promise<SecretView[]>;
  getSecret(ref: string): Promise<SecretView>;
  /** A new value under the same name; services using it roll their tasks onto it. */
  updateSecret(ref: string, req: DataUpdateRequest): Promise<SecretView>;
  /** FAILED_PRECONDITION while a service uses the secret. */
  removeSecret(ref: string): Promise<void>;
  createConfig(req: DataCreateRequest): Promise<Config>;
  listConfigs(): Promise<Config[]>;
  getConfig(ref: string): Promise<Config>;
  /** A new value; running tasks see it in their mounted file within seconds, no restart. */
  updateConfig(ref: string, req: DataUpdateRequest): Promise<Config>;
  removeConfig(ref: string): Promise<void>;
  /**
   * The log lines of every task of a service that has (had) a container, gathered from their
   * nodes; each task's lines in order, tasks interleaved. Resolves once the service is found
   * (NOT_FOUND before any line); the stream then carries lines and notices (a node down or not
   * answering) and ends when every task is read, or, with `follow`, when `signal` aborts (tasks
   * that start later are followed too).
   */
  serviceLogs(ref: string, req: LogsRequest, signal: AbortSignal): Promise<AsyncIterable<LogEntry>>;
  /** The same for one task (id or id prefix); with `follow`, ends when its container stops. */
  taskLogs(ref: string, req: LogsRequest, signal: AbortSignal): Promise<AsyncIterable<LogEntry>>;
  /** Named volumes of one node (`node`) or of every node; unreachable nodes become notices. */
  listVolumes(req: VolumeRequest): Promise<VolumeList>;
  /**
   * Removes a named volume from `node`, or from every node that has it. NOT_FOUND if no node
   * has it; FAILED_PRECONDITION naming node and volume while a container uses it (nothing is
   * removed then).
   */
  removeVolume(name: string, req: VolumeRequest): Promise<VolumeRemoved>;
  /**
   * Opens the cluster event stream (`swarmlet events`): resolves once the request is accepted
   * (INVALID_ARGUMENT for a bad filter or time), then yields retained events matching `req`
   * (from `since`, or after `lastEventId`) and live ones, until `until` passes, `signal` aborts
   * or the consumer stops iterating. Any manager serves it from its own store. A consumer that
   * falls too far behind gets an UNAVAILABLE error from the iterator.
   */
  events(req: EventsRequest, signal: AbortSignal): Promise<AsyncIterable<EventStreamItem>>;
}
