import { Type, type Static } from 'typebox';
import { ERROR_CODES } from './errors.js';

export const InfoSchema = Type.Object({
  version: Type.String(),
  nodeId: Type.String(),
  clusterId: Type.String(),
  /** `inactive` until `swarmlet init`; `locked`: an autolocked manager waiting for `swarmlet unlock`. */
  state: Type.Union([Type.Literal('inactive'), Type.Literal('active'), Type.Literal('locked')]),
  role: Type.String(),
  managers: Type.Integer(),
  nodes: Type.Integer(),
  services: Type.Integer(),
  tasks: Type.Object({ running: Type.Integer(), total: Type.Integer() }),
  engine: Type.Object({ version: Type.String(), apiVersion: Type.String() }),
  dataDir: Type.String(),
  /** Cluster address of this node (empty before init/join). */
  addr: Type.Optional(Type.String()),
  /** Manager nodes: the Raft leader's node id and whether this node is it. */
  leader: Type.Optional(Type.String()),
  isLeader: Type.Optional(Type.Boolean()),
  /** Addresses of the managers this node knows. */
  managerAddrs: Type.Optional(Type.Array(Type.String())),
  /** Expiry of this node's certificate (ISO time). */
  certExpiresAt: Type.Optional(Type.String()),
});
export type Info = Static<typeof InfoSchema>;

export const InitRequestSchema = Type.Object({
  clusterName: Type.Optional(Type.String()),
  heartbeatPeriodMs: Type.Optional(Type.Integer({ minimum: 100 })),
  taskHistoryRetentionLimit: Type.Optional(Type.Integer({ minimum: 0 })),
  /** `host[:port]` other nodes use to reach this manager (default port 4242). */
  advertiseAddr: Type.Optional(Type.String()),
  /** `host[:port]` the cluster port binds (default `0.0.0.0:<advertised port>`). */
  listenAddr: Type.Optional(Type.String()),
  /** Validity of node certificates (default 90 days; at least 10 s, for tests). */
  certExpiryMs: Type.Optional(Type.Integer({ minimum: 10_000 })),
  /** Address pools overlay subnets come from (default 10.0.0.0/8). */
  defaultAddrPool: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  /** Prefix length of each network's subnet (default 24). */
  defaultAddrPoolMaskLen: Type.Optional(Type.Integer({ minimum: 8, maximum: 29 })),
  /**
   * Recover from lost quorum: restart this manager's Raft as the only member, keeping the
   * state it has. The other managers must rejoin.
   */
  forceNewCluster: Type.Optional(Type.Boolean()),
});
export type InitRequest = Static<typeof InitRequestSchema>;

export const ErrorBodySchema = Type.Object({
  code: Type.Enum(ERROR_CODES),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type ErrorBody = Static<typeof ErrorBodySchema>;
