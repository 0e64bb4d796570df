import { Type, type Static } from 'typebox';
import { LabelsSchema, MetaSchema, ResourcesSchema } from './common.js';

export const SERVICE_MODES = ['replicated', 'global', 'replicated-job', 'global-job'] as const;
export type ServiceMode = (typeof SERVICE_MODES)[number];

export const RESTART_CONDITIONS = ['any', 'on-failure', 'none'] as const;
export type RestartCondition = (typeof RESTART_CONDITIONS)[number];

export const RestartPolicySchema = Type.Object({
  condition: Type.Enum(RESTART_CONDITIONS),
  /** Wait between a task's end and its replacement's start. */
  delayMs: Type.Integer({ minimum: 0 }),
  /** Restarts allowed within `windowMs` (0: unlimited). */
  maxAttempts: Type.Integer({ minimum: 0 }),
  /** Window for counting restarts (0: the service's whole life). */
  windowMs: Type.Integer({ minimum: 0 }),
});
export type RestartPolicy = Static<typeof RestartPolicySchema>;

export const MOUNT_TYPES = ['bind', 'volume', 'tmpfs'] as const;
export type MountType = (typeof MOUNT_TYPES)[number];

/**
 * A mount, as Docker's `--mount`: `bind` (a host path, which must exist on the node), `volume`
 * (a named volume created by the agent on first use on that node and kept across task restarts;
 * no source: an anonymous volume removed with the container) or `tmpfs` (memory, no source).
 */
export const MountSchema = Type.Object({
  type: Type.Enum(MOUNT_TYPES),
  /** Host path (bind), volume name (volume; '' anonymous), '' for tmpfs. */
  source: Type.String(),
  /** Absolute path in the container. */
  target: Type.String(),
  readonly: Type.Optional(Type.Boolean()),
  /** Volume only: the driver creating it (default `local`) and its options. */
  volumeDriver: Type.Optional(Type.String()),
  volumeOptions: Type.Optional(LabelsSchema),
  /** tmpfs only: size limit in bytes (0: unlimited) and file mode of the mount point. */
  tmpfsSizeBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  tmpfsMode: Type.Optional(Type.Integer({ minimum: 0, maximum: 0o7777 })),
});
export type Mount = Static<typeof MountSchema>;

/**
 * A container health check, as Docker's `HealthConfig`. `test`: `[]` inherits the image's
 * HEALTHCHECK, `['NONE']` disables it (`--no-healthcheck`), `['CMD', ...argv]` runs a program,
 * `['CMD-SHELL', cmd]` runs `cmd` with the shell (`--health-cmd`). Durations of 0 inherit the
 * image's value or Docker's default (interval 30 s, timeout 30 s, retries 3, start period 0).
 */
export const HealthcheckSchema = Type.Object({
  test: Type.Array(Type.String()),
  intervalMs: Type.Integer({ minimum: 0 }),
  timeoutMs: Type.Integer({ minimum: 0 }),
  retries: Type.Integer({ minimum: 0 }),
  startPeriodMs: Type.Integer({ minimum: 0 }),
});
export type Healthcheck = Static<typeof HealthcheckSchema>;

export const ContainerSpecSchema = Type.Object({
  image: Type.String({ minLength: 1 }),
  /** Overrides the image's ENTRYPOINT when non-empty. */
  command: Type.Array(Type.String()),
  /** Overrides the image's CMD when non-empty. */
  args: Type.Array(Type.String()),
  /** `KEY=VALUE` strings. */
  env: Type.Array(Type.String()),
  labels: LabelsSchema,
  workdir: Type.String(),
  user: Type.String(),
  /** Time between SIGTERM and SIGKILL when the task is stopped. */
  stopGracePeriodMs: Type.Integer({ minimum: 0 }),
  /** Absent: the image's HEALTHCHECK, if any, applies. */
  healthcheck: Type.Optional(HealthcheckSchema),
  mounts: Type.Optional(Type.Array(MountSchema)),
});
export type ContainerSpec = Static<typeof ContainerSpecSchema>;

/**
 * A secret or config a task mounts: `target` is the file name under /run/secrets for secrets,
 * an absolute path for configs. `id`/`name` are resolved by the manager from the user's source.
 */
export const FileReferenceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  target: Type.String(),
  uid: Type.Integer({ minimum: 0 }),
  gid: Type.Integer({ minimum: 0 }),
  mode: Type.Integer({ minimum: 0, maximum: 0o7777 }),
  /** Configs only: a `config update` rolls the service instead of updating the file in place. */
  restart: Type.Optional(Type.Boolean()),
});
export type FileReference = Static<typeof FileReferenceSchema>;

/**
 * What a user writes: `--secret NAME` or `--secret source=,target=,uid=,gid=,mode=`. A stored
 * `FileReference` (with `id`) is accepted too, so a service's own spec can be sent back.
 */
export const FileReferenceInputSchema = Type.Object({
  source: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  target: Type.Optional(Type.String()),
  uid: Type.Optional(Type.Integer({ minimum: 0 })),
  gid: Type.Optional(Type.Integer({ minimum: 0 })),
  mode: Type.Optional(Type.Integer({ minimum: 0, maximum: 0o7777 })),
  restart: Type.Optional(Type.Boolean()),
});
export type FileReferenceInput = Static<typeof FileReferenceInputSchema>;

/**
 * Where tasks may run (Docker's `--constraint`, `--placement-pref`, `--replicas-max-per-node`):
 * constraints like `node.labels.zone==a` or `node.role!=manager`, spread preferences like
 * `spread=node.labels.zone`, and a cap of tasks of the service per node (0: none).
 */
export const PlacementSchema = Type.Object({
  constraints: Type.Optional(Type.Array(Type.String())),
  preferences: Type.Optional(Type.Array(Type.Object({ spread: Type.String() }))),
  maxReplicasPerNode: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type Placement = Static<typeof PlacementSchema>;

export const TaskSpecSchema = Type.Object({
  container: ContainerSpecSchema,
  secrets: Type.Optional(Type.Array(FileReferenceSchema)),
  configs: Type.Optional(Type.Array(FileReferenceSchema)),
  resources: Type.Object({ limits: ResourcesSchema, reservations: ResourcesSchema }),
  restartPolicy: RestartPolicySchema,
  /** Bumped by `service update --force` to restart every task. */
  forceUpdate: Type.Integer({ minimum: 0 }),
  placement: Type.Optional(PlacementSchema),
});
export type TaskSpec = Static<typeof TaskSpecSchema>;

export const PORT_PROTOCOLS = ['tcp', 'udp'] as const;
export const PUBLISH_MODES = ['ingress', 'host'] as const;
export const ENDPOINT_MODES = ['vip', 'dnsrr'] as const;
export type EndpointMode = (typeof ENDPOINT_MODES)[number];

/**
 * A published port. `ingress`: every node listens on `published` and balances over the
 * service's tasks; `host`: only nodes running a task bind it. Without `published` an ingress
 * port gets one from 30000-32767.
 */
export const PortSchema = Type.Object({
  target: Type.Integer({ minimum: 1, maximum: 65535 }),
  published: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  protocol: Type.Optional(Type.Enum(PORT_PROTOCOLS)),
  mode: Type.Optional(Type.Enum(PUBLISH_MODES)),
  /**
   * Ingress only: send a PROXY protocol v2 header to the task before the client's bytes, so the
   * service sees the client's address (the task must expect it).
   */
  proxyProtocol: Type.Optional(Type.Boolean()),
});
export type Port = Static<typeof PortSchema>;

/** A port as allocated: every field set (`published` 0: a host-mode port the engine picks). */
export const AllocatedPortSchema = Type.Object({
  target: Type.Integer(),
  published: Type.Integer(),
  protocol: Type.Enum(PORT_PROTOCOLS),
  mode: Type.Enum(PUBLISH_MODES),
  proxyProtocol: Type.Optional(Type.Boolean()),
});
export type AllocatedPort = Static<typeof AllocatedPortSchema>;

export const UPDATE_ORDERS = ['stop-first', 'start-first'] as const;
export type UpdateOrder = (typeof UPDATE_ORDERS)[number];
export const UPDATE_FAILURE_ACTIONS = ['pause', 'continue', 'rollback'] as const;
export type UpdateFailureAction = (typeof UPDATE_FAILURE_ACTIONS)[number];

/**
 * How a rolling update (or a rollback) replaces tasks, with Docker's defaults: `parallelism`
 * tasks at a time (0: all at once; default 1), `delayMs` between batches (0), `order`
 * (stop-first), `failureAction` (pause; `rollback` is not allowed in a rollback config),
 * `monitorMs` after each task starts during which its failure counts against the update (5 s),
 * and `maxFailureRatio` of failed tasks tolerated (0).
 */
export const UpdateConfigSchema = Type.Object({
  parallelism: Type.Integer({ minimum: 0 }),
  delayMs: Type.Integer({ minimum: 0 }),
  order: Type.Enum(UPDATE_ORDERS),
  failureAction: Type.Enum(UPDATE_FAILURE_ACTIONS),
  monitorMs: Type.Integer({ minimum: 0 }),
  maxFailureRatio: Type.Number({ minimum: 0, maximum: 1 }),
});
export type UpdateConfig = Static<typeof UpdateConfigSchema>;

/** A service spec as stored: every field present (controlapi fills defaults). */
export const ServiceSpecSchema = Type.Object({
  name: Type.String(),
  labels: LabelsSchema,
  mode: Type.Enum(SERVICE_MODES),
  /** Desired tasks for replicated services; total completions for replicated jobs. */
  replicas: Type.Integer({ minimum: 0 }),
  /** Jobs: tasks run at a time (replicated-job default: `replicas`; global-job: unused). */
  maxConcurrent: Type.Optional(Type.Integer({ minimum: 0 })),
  task: TaskSpecSchema,
  /** Absent on jobs. */
  updateConfig: Type.Optional(UpdateConfigSchema),
  rollbackConfig: Type.Optional(UpdateConfigSchema),
  /** Network ids the tasks attach to; none: the cluster's `default` network. */
  networks: Type.Optional(Type.Array(Type.String())),
  /** How the service name resolves: its VIP (default) or its tasks' addresses (dnsrr). */
  endpointMode: Type.Optional(Type.Enum(ENDPOINT_MODES)),
  ports: Type.Optional(Type.Array(PortSchema)),
});
export type ServiceSpec = Static<typeof ServiceSpecSchema>;

export const UPDATE_STATES = [
  'updating',
  'paused',
  'completed',
  'rollback_started',
  'rollback_paused',
  'rollback_completed',
] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

/** Progress of the last rolling update or rollback (swarmkit's UpdateStatus). */
export const UpdateStatusSchema = Type.Object({
  state: Type.Enum(UPDATE_STATES),
  startedAt: Type.String(),
  completedAt: Type.Optional(Type.String()),
  message: Type.String(),
});
export type UpdateStatus = Static<typeof UpdateStatusSchema>;

/** A virtual IP of a service on one network (endpoint mode vip). */
export const VipSchema = Type.Object({ networkId: Type.String(), addr: Type.String() });
export type Vip = Static<typeof VipSchema>;

export const ServiceSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: ServiceSpecSchema,
  /** The spec before the last update: what `service rollback` returns to. */
  previousSpec: Type.Optional(ServiceSpecSchema),
  /** Set when an update of the task spec starts; moved on by the orchestrator. */
  updateStatus: Type.Optional(UpdateStatusSchema),
  /** Jobs: bumped by every update of the service, which runs the job again. */
  jobIteration: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Filled by the allocator: one VIP per network the service is on. */
  endpoint: Type.Optional(
    Type.Object({
      vips: Type.Array(VipSchema),
      ports: Type.Optional(Type.Array(AllocatedPortSchema)),
    }),
  ),
});
export type Service = Static<typeof ServiceSchema>;

const OptionalResources = Type.Partial(ResourcesSchema);

/** A service spec as a client sends it: everything but name and image may be left out. */
export const ServiceSpecInputSchema = Type.Object({
  name: Type.String(),
  labels: Type.Optional(LabelsSchema),
  mode: Type.Optional(Type.Enum(SERVICE_MODES)),
  replicas: Type.Optional(Type.Integer({ minimum: 0 })),
  maxConcurrent: Type.Optional(Type.Integer({ minimum: 0 })),
  updateConfig: Type.Optional(Type.Partial(UpdateConfigSchema)),
  rollbackConfig: Type.Optional(Type.Partial(UpdateConfigSchema)),
  task: Type.Object({
    container: Type.Object({
      image: Type.String(),
      command: Type.Optional(Type.Array(Type.String())),
      args: Type.Optional(Type.Array(Type.String())),
      env: Type.Optional(Type.Array(Type.String())),
      labels: Type.Optional(LabelsSchema),
      workdir: Type.Optional(Type.String()),
      user: Type.Optional(Type.String()),
      stopGracePeriodMs: Type.Optional(Type.Integer({ minimum: 0 })),
      healthcheck: Type.Optional(Type.Partial(HealthcheckSchema)),
      mounts: Type.Optional(Type.Array(MountSchema)),
    }),
    resources: Type.Optional(
      Type.Object({
        limits: Type.Optional(OptionalResources),
        reservations: Type.Optional(OptionalResources),
      }),
    ),
    restartPolicy: Type.Optional(Type.Partial(RestartPolicySchema)),
    forceUpdate: Type.Optional(Type.Integer({ minimum: 0 })),
    placement: Type.Optional(PlacementSchema),
    secrets: Type.Optional(Type.Array(FileReferenceInputSchema)),
    configs: Type.Optional(Type.Array(FileReferenceInputSchema)),
  }),
  /** Network names, ids or id prefixes; none: the `default` network. */
  networks: Type.Optional(Type.Array(Type.String())),
  endpointMode: Type.Optional(Type.Enum(ENDPOINT_MODES)),
  ports: Type.Optional(Type.Array(PortSchema)),
});
export type ServiceSpecInput = Static<typeof ServiceSpecInputSchema>;
