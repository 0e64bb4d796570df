import { Type, type Static } from 'typebox';
import { API_TOKEN_ROLES } from './cluster.js';

/** `swarmlet join`: what the local daemon needs to join a cluster through one of its managers. */
export const JoinRequestSchema = Type.Object({
  token: Type.String({ minLength: 1 }),
  /** `host[:port]` of any manager (default port 4242). */
  remoteAddr: Type.String({ minLength: 1 }),
  /** Address other nodes reach this node at (default: the local address used to reach the manager). */
  advertiseAddr: Type.Optional(Type.String()),
  listenAddr: Type.Optional(Type.String()),
});
export type JoinRequest = Static<typeof JoinRequestSchema>;

export const JoinResultSchema = Type.Object({
  nodeId: Type.String(),
  role: Type.String(),
  clusterId: Type.String(),
});
export type JoinResult = Static<typeof JoinResultSchema>;

export const LeaveRequestSchema = Type.Object({ force: Type.Optional(Type.Boolean()) });
export type LeaveRequest = Static<typeof LeaveRequestSchema>;

export const JoinTokensSchema = Type.Object({ worker: Type.String(), manager: Type.String() });
export type JoinTokens = Static<typeof JoinTokensSchema>;

export const RotateJoinTokenSchema = Type.Object({
  role: Type.Union([Type.Literal('worker'), Type.Literal('manager')]),
});

export const ApiTokenInfoSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.Enum(API_TOKEN_ROLES),
  createdAt: Type.String(),
});
export type ApiTokenInfo = Static<typeof ApiTokenInfoSchema>;

export const ApiTokenCreateRequestSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  role: Type.Optional(Type.Enum(API_TOKEN_ROLES)),
});
export type ApiTokenCreateRequest = Static<typeof ApiTokenCreateRequestSchema>;

/** The token itself is shown once, at creation. */
export const ApiTokenCreatedSchema = Type.Intersect([
  ApiTokenInfoSchema,
  Type.Object({ token: Type.String() }),
]);
export type ApiTokenCreated = Static<typeof ApiTokenCreatedSchema>;

/**
 * Node-level cluster membership and access, served by the daemon (not by the store-backed
 * control API): join and leave act on the local node; tokens live in the replicated store.
 */
/** `swarmlet update --autolock=true|false`. */
export const SwarmUpdateRequestSchema = Type.Object({ autolock: Type.Boolean() });
export type SwarmUpdateRequest = Static<typeof SwarmUpdateRequestSchema>;

/** The autolock key (present when autolock is on). */
export const UnlockKeySchema = Type.Object({ unlockKey: Type.Optional(Type.String()) });
export type UnlockKey = Static<typeof UnlockKeySchema>;

export const UnlockRequestSchema = Type.Object({ unlockKey: Type.String({ minLength: 1 }) });
export type UnlockRequest = Static<typeof UnlockRequestSchema>;

export interface SwarmApi {
  join(req: JoinRequest): Promise<JoinResult>;
  leave(req: LeaveRequest): Promise<void>;
  joinTokens(): Promise<JoinTokens>;
  rotateJoinToken(role: 'worker' | 'manager'): Promise<JoinTokens>;
  createApiToken(req: ApiTokenCreateRequest): Promise<ApiTokenCreated>;
  listApiTokens(): Promise<ApiTokenInfo[]>;
  removeApiToken(ref: string): Promise<void>;
  /** Autolock on (a new unlock key, returned once here) or off. */
  updateSwarm(req: SwarmUpdateRequest): Promise<UnlockKey>;
  /** The current unlock key, or a new one (`rotate`); FAILED_PRECONDITION when autolock is off. */
  unlockKey(rotate?: boolean): Promise<UnlockKey>;
  /** Unlocks this (restarted, autolocked) manager; INVALID_ARGUMENT for a wrong key. */
  unlock(req: UnlockRequest): Promise<void>;
}
