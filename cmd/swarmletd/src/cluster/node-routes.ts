import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NodeDescriptionSchema, SwarmletError, type NodeDescription } from '@swarmlet/api-types';
import type { NodeRole, PeerIdentity } from '@swarmlet/ca';
import { Type, type Static } from 'typebox';

export const NodeJoinRequestSchema = Type.Object({
  token: Type.String({ minLength: 1 }),
  nodeId: Type.String({ minLength: 1, maxLength: 63 }),
  csrPem: Type.String({ minLength: 1 }),
  advertiseAddr: Type.String(),
  description: NodeDescriptionSchema,
});
export type NodeJoinRequest = Static<typeof NodeJoinRequestSchema>;

export interface NodeJoinResponse {
  certPem: string;
  caPem: string;
  role: NodeRole;
  clusterId: string;
  managers: string[];
  /** Raft members (node id → cluster address), so a new manager can answer the leader. */
  raftPeers: Record<string, string>;
}

/** Node-to-node endpoints of the cluster port (not part of the public API). */
export interface NodeEndpoints {
  /** The cluster CA certificate (public: a joining node pins it by the token's digest). */
  caCert(): Promise<string>;
  /** Token-authenticated: issues the joining node's certificate and records the node. */
  join(req: NodeJoinRequest, description: NodeDescription): Promise<NodeJoinResponse>;
  /** Certificate renewal for the calling node; the role comes from the store. */
  renew(id: PeerIdentity, csrPem: string): Promise<{ certPem: string; role: NodeRole }>;
  /** A manager (promoted, or restarted without its Raft state) asks to be added to Raft. */
  raftJoin(id: PeerIdentity, addr: string): Promise<Record<string, string>>;
}

/** Routes any caller may use without credentials. */
export const PUBLIC_NODE_ROUTES = new Set(['/v1/node/ca', '/v1/node/join']);
/** Routes for any node certificate, worker or manager. */
export const NODE_CERT_ROUTES = new Set(['/v1/node/certificate', '/v1/node/raft-join']);

/** Registers the node endpoints; `identity` reads the verified client certificate. */
export function registerNodeRoutes(
  app: FastifyInstance,
  ep: NodeEndpoints,
  identity: (req: FastifyRequest) => PeerIdentity | undefined,
): void {
  const requireId = (req: FastifyRequest): PeerIdentity => {
    const id = identity(req);
    if (!id) throw new SwarmletError('UNAUTHORIZED', 'a node certificate is required');
    return id;
  };
  app.get('/v1/node/ca', async () => ({ certPem: await ep.caCert() }));
  app.post('/v1/node/join', { schema: { body: NodeJoinRequestSchema } }, async (req) => {
    const body = req.body as NodeJoinRequest;
    return ep.join(body, body.description);
  });
  app.post(
    '/v1/node/certificate',
    { schema: { body: Type.Object({ csrPem: Type.String({ minLength: 1 }) }) } },
    async (req) => ep.renew(requireId(req), (req.body as { csrPem: string }).csrPem),
  );
  app.post(
    '/v1/node/raft-join',
    { schema: { body: Type.Object({ addr: Type.String({ minLength: 1 }) }) } },
    async (req) => {
      const id = requireId(req);
      if (id.role !== 'manager') {
        throw new SwarmletError('FORBIDDEN', 'only a manager certificate can join Raft');
      }
      return { raftPeers: await ep.raftJoin(id, (req.body as { addr: string }).addr) };
    },
  );
}
