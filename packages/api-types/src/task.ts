import { Type, type Static } from 'typebox';
import { MetaSchema, TaskStateSchema } from './common.js';
import { TaskSpecSchema } from './service.js';

export const TaskStatusSchema = Type.Object({
  state: TaskStateSchema,
  /** When the task entered `state` (ISO 8601). */
  timestamp: Type.String(),
  /** Human-readable reason for the state, e.g. why it is pending. */
  message: Type.String(),
  /** Error text for failed/rejected tasks; empty otherwise. */
  err: Type.String(),
  containerId: Type.String(),
  exitCode: Type.Optional(Type.Integer()),
});
export type TaskStatus = Static<typeof TaskStatusSchema>;

export const TaskSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  serviceId: Type.String(),
  /** Copied from the service so agents can name containers without reading services. */
  serviceName: Type.String(),
  /** 1-based replica slot (replicated services); 0 for global tasks. */
  slot: Type.Integer({ minimum: 0 }),
  /** Empty until the scheduler assigns the task. */
  nodeId: Type.String(),
  /** The service's task spec when this task was created. */
  spec: TaskSpecSchema,
  /** Store version of the service spec this task was created from. */
  specVersion: Type.Integer({ minimum: 0 }),
  desiredState: TaskStateSchema,
  status: TaskStatusSchema,
  /** Jobs: the service's `jobIteration` this task belongs to. */
  jobIteration: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * A stop-first update's replacement: created in desired state `ready`, it is released to
   * `running` once no other task of its slot (same slot number, or same node for global
   * services) is active. Without it a task held in `ready` is a delayed restart, released at
   * creation + the restart policy's delay.
   */
  waitsForSlot: Type.Optional(Type.Boolean()),
  /** Filled by the allocator: the task's address (CIDR form) on each of its networks. */
  networks: Type.Optional(
    Type.Array(Type.Object({ networkId: Type.String(), addr: Type.String() })),
  ),
});
export type Task = Static<typeof TaskSchema>;
