import { Type, type Static } from 'typebox';
import { LabelsSchema, MetaSchema, PlatformSchema, ResourcesSchema } from './common.js';

export const NODE_ROLES = ['manager', 'worker'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];
export const NODE_AVAILABILITIES = ['active', 'pause', 'drain'] as const;
export type NodeAvailability = (typeof NODE_AVAILABILITIES)[number];
export const NODE_STATES = ['unknown', 'down', 'ready', 'disconnected'] as const;
export type NodeState = (typeof NODE_STATES)[number];

export const NodeDescriptionSchema = Type.Object({
  hostname: Type.String(),
  platform: PlatformSchema,
  resources: ResourcesSchema,
  engine: Type.Object({ version: Type.String(), labels: LabelsSchema }),
});
export type NodeDescription = Static<typeof NodeDescriptionSchema>;

export const NodeSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: Type.Object({
    role: Type.Enum(NODE_ROLES),
    availability: Type.Enum(NODE_AVAILABILITIES),
    labels: LabelsSchema,
  }),
  description: NodeDescriptionSchema,
  status: Type.Object({
    state: Type.Enum(NODE_STATES),
    message: Type.String(),
    addr: Type.String(),
  }),
  managerStatus: Type.Optional(
    Type.Object({ leader: Type.Boolean(), reachability: Type.String(), addr: Type.String() }),
  ),
  /**
   * Filled by the allocator: the node's own address on each overlay network (CIDR form). Its
   * bridge uses it as gateway, and ingress traffic leaves the node from it.
   */
  networks: Type.Optional(
    Type.Array(Type.Object({ networkId: Type.String(), addr: Type.String() })),
  ),
});
export type Node = Static<typeof NodeSchema>;

/**
 * `updateNode` request: every field is optional, and only the given ones change. Labels are
 * added before `labelRm` removes keys (as `docker node update` does); removing a key the node
 * does not have is an error. `version` is the node's `meta.version` the client read: the update
 * fails with CONFLICT if the node changed since; omitted, it applies to the latest version.
 */
export const NodeUpdateRequestSchema = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 0 })),
  availability: Type.Optional(Type.Enum(NODE_AVAILABILITIES)),
  labelAdd: Type.Optional(LabelsSchema),
  labelRm: Type.Optional(Type.Array(Type.String())),
  role: Type.Optional(Type.Enum(NODE_ROLES)),
});
export interface NodeUpdateRequest {
  version?: number;
  availability?: NodeAvailability;
  labelAdd?: Record<string, string>;
  labelRm?: string[];
  role?: NodeRole;
}

/** `removeNode` options: `force` removes a node that is still READY (never a manager). */
export interface NodeRemoveOptions {
  force?: boolean;
}
