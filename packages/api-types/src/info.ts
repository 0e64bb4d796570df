import { Type, type Static } from 'typebox';
import { ERROR_CODES } from './errors.js';

export const InfoSchema = Type.Object({
  version: Type.String(),
  nodeId: Type.String(),
  clusterId: Type.String(),
  /** `inactive` until `swarmlet init`. */
  state: Type.Union([Type.Literal('inactive'), Type.Literal('active')]),
  role: Type.String(),
  managers: Type.Integer(),
  nodes: Type.Integer(),
  services: Type.Integer(),
  tasks: Type.Object({ running: Type.Integer(), total: Type.Integer() }),
  engine: Type.Object({ version: Type.String(), apiVersion: Type.String() }),
  dataDir: Type.String(),
});
export type Info = Static<typeof InfoSchema>;

export const InitRequestSchema = Type.Object({
  clusterName: Type.Optional(Type.String()),
  heartbeatPeriodMs: Type.Optional(Type.Integer({ minimum: 100 })),
  taskHistoryRetentionLimit: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type InitRequest = Static<typeof InitRequestSchema>;

export const ErrorBodySchema = Type.Object({
  code: Type.Enum(ERROR_CODES),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type ErrorBody = Static<typeof ErrorBodySchema>;
