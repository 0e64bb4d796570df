import type { IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import {
  SwarmletError,
  type ControlApi,
  type Logger,
  type StoredApiToken,
  type SwarmApi,
} from '@swarmlet/api-types';
import { buildApi } from '@swarmlet/api';
import {
  apiTokenMatches,
  parseApiToken,
  peerIdentity,
  type PeerIdentity,
  type TlsMaterial,
} from '@swarmlet/ca';
import type { HostPort } from './addr.js';
import {
  NODE_CERT_ROUTES,
  PUBLIC_NODE_ROUTES,
  registerNodeRoutes,
  type NodeEndpoints,
} from './node-routes.js';

export interface ClusterServerDeps {
  listen: HostPort;
  tls: TlsMaterial;
  log: Logger;
  control: ControlApi;
  swarm: SwarmApi;
  beforeRead: (req: FastifyRequest) => Promise<void>;
  clusterId: () => string;
  apiTokens: () => StoredApiToken[];
  node: NodeEndpoints;
  /** WebSocket upgrades by path (`/raft`, `/session`), after the peer's certificate is checked. */
  upgrades: Record<string, UpgradeHandler>;
}

export interface UpgradeHandler {
  /** Roles allowed to open this WebSocket. */
  roles: readonly ('manager' | 'worker')[];
  handle(req: IncomingMessage, socket: Duplex, head: Buffer, id: PeerIdentity): void;
}

const identities = new WeakMap<object, PeerIdentity | null>();

/** The verified identity of a TLS peer (cached per connection). */
export function socketIdentity(socket: unknown): PeerIdentity | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  let id = identities.get(socket);
  if (id === undefined) {
    id = peerIdentity(socket) ?? null;
    identities.set(socket, id);
  }
  return id ?? undefined;
}

/**
 * The cluster port of a manager: HTTPS with optional client certificates. It serves the REST API
 * (a manager certificate or a bearer token is required: 401 without, 403 with the wrong role),
 * the node endpoints (join, CA, renewal), and WebSocket upgrades for Raft and agent sessions,
 * each limited to certificates of the right role and cluster.
 */
export class ClusterServer {
  readonly app: FastifyInstance;

  constructor(private readonly d: ClusterServerDeps) {
    this.app = buildApi({
      loggerInstance: d.log as unknown as FastifyBaseLogger,
      control: d.control,
      swarm: d.swarm,
      https: { ...d.tls, requestCert: true, rejectUnauthorized: false },
      authorize: (req) => this.authorize(req),
      beforeRead: d.beforeRead,
    });
    registerNodeRoutes(this.app, d.node, (req) => this.identity(req));
  }

  async start(): Promise<void> {
    await this.app.listen({ host: this.d.listen.host, port: this.d.listen.port });
    this.app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  /** New certificate (renewal, promotion): used by connections from now on. */
  setTls(tls: TlsMaterial): void {
    (this.app.server as HttpsServer).setSecureContext({ ...tls });
  }

  private identity(req: FastifyRequest): PeerIdentity | undefined {
    const id = socketIdentity(req.raw.socket);
    return id && id.clusterId === this.d.clusterId() ? id : undefined;
  }

  private authorize(req: FastifyRequest): void {
    const route = req.routeOptions.url ?? '';
    if (PUBLIC_NODE_ROUTES.has(route)) return;
    const id = this.identity(req);
    if (id) {
      if (id.role === 'manager' || NODE_CERT_ROUTES.has(route)) return;
      throw new SwarmletError('FORBIDDEN', 'a worker certificate cannot use the control API');
    }
    const header = req.headers.authorization;
    if (!header) {
      throw new SwarmletError(
        'UNAUTHORIZED',
        'authentication required: a cluster client certificate or a bearer token (`swarmlet token create`)',
      );
    }
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '';
    const parsed = parseApiToken(token);
    const stored = parsed && this.d.apiTokens().find((t) => t.id === parsed.id);
    if (!stored || !apiTokenMatches(token, stored.hash)) {
      throw new SwarmletError('UNAUTHORIZED', 'invalid or revoked API token');
    }
    if (NODE_CERT_ROUTES.has(route)) {
      throw new SwarmletError('FORBIDDEN', 'node endpoints need a node certificate');
    }
    if (stored.role === 'readonly' && req.method !== 'GET') {
      throw new SwarmletError('FORBIDDEN', `token "${stored.name}" is read-only`);
    }
    if (
      stored.role !== 'admin' &&
      (route.startsWith('/v1/tokens') || route.startsWith('/v1/swarm'))
    ) {
      throw new SwarmletError('FORBIDDEN', 'managing tokens needs an admin token');
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const handler = this.d.upgrades[path];
    const id = socketIdentity(req.socket);
    const refuse = (status: number, why: string): void => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!handler) return refuse(404, 'Not Found');
    if (!id || id.clusterId !== this.d.clusterId()) return refuse(401, 'Unauthorized');
    if (!handler.roles.includes(id.role)) return refuse(403, 'Forbidden');
    handler.handle(req, socket, head, id);
  }
}
