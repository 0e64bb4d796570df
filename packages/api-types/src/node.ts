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
});
export type Node = Static<typeof NodeSchema>;
