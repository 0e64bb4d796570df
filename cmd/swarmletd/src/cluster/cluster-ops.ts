import {
  SwarmletError,
  notFound,
  type ApiTokenCreateRequest,
  type ApiTokenCreated,
  type ApiTokenInfo,
  type Cluster,
  type ClusterSecrets,
  type JoinTokens,
  type Logger,
  type NodeDescription,
  type SwarmUpdateRequest,
  type UnlockKey,
} from '@swarmlet/api-types';
import { newUnlockKey } from '@swarmlet/secrets';
import {
  DEFAULT_CERT_VALIDITY_MS,
  issueNodeCert,
  makeApiToken,
  makeJoinToken,
  sameJoinToken,
  type NodeRole,
  type PeerIdentity,
} from '@swarmlet/ca';
import type { ManagerNode } from './manager-node.js';
import type { NodeEndpoints, NodeJoinRequest, NodeJoinResponse } from './node-routes.js';

/**
 * Operations on the cluster's secrets in the replicated store (root CA, join tokens, API token
 * hashes) and the leader's side of node joins and certificate renewal.
 */
export class ClusterOps implements NodeEndpoints {
  constructor(
    private readonly mgr: ManagerNode,
    private readonly log: Logger,
  ) {}

  private cluster(): Cluster & { secrets: ClusterSecrets } {
    const c = this.mgr.store.view((tx) => tx.find('cluster')[0]);
    if (!c?.secrets) throw new SwarmletError('NOT_INITIALIZED', 'the cluster has no CA yet');
    return c as Cluster & { secrets: ClusterSecrets };
  }

  private async updateSecrets(fn: (s: ClusterSecrets) => ClusterSecrets): Promise<ClusterSecrets> {
    return this.mgr.store.update((tx) => {
      const c = tx.find('cluster')[0];
      if (!c?.secrets) throw new SwarmletError('NOT_INITIALIZED', 'the cluster has no CA yet');
      const secrets = fn(c.secrets);
      tx.update('cluster', { ...c, secrets });
      return secrets;
    });
  }

  /** Waits until this manager caught up (a just-joined one has no state yet). */
  async caCert(): Promise<string> {
    await this.mgr.readBarrier();
    return this.cluster().secrets.rootCA.certPem;
  }

  joinTokens(): JoinTokens {
    return { ...this.cluster().secrets.joinTokens };
  }

  async rotateJoinToken(role: NodeRole): Promise<JoinTokens> {
    const s = await this.updateSecrets((cur) => ({
      ...cur,
      joinTokens: { ...cur.joinTokens, [role]: makeJoinToken(cur.rootCA.certPem) },
    }));
    this.log.info({ role }, 'join token rotated');
    return { ...s.joinTokens };
  }

  async createApiToken(req: ApiTokenCreateRequest): Promise<ApiTokenCreated> {
    const t = makeApiToken();
    const info: ApiTokenInfo = {
      id: t.id,
      name: req.name,
      role: req.role ?? 'admin',
      createdAt: new Date().toISOString(),
    };
    await this.updateSecrets((cur) => {
      if (cur.apiTokens.some((x) => x.name === req.name)) {
        throw new SwarmletError('ALREADY_EXISTS', `a token named "${req.name}" already exists`);
      }
      return { ...cur, apiTokens: [...cur.apiTokens, { ...info, hash: t.hash }] };
    });
    return { ...info, token: t.token };
  }

  listApiTokens(): ApiTokenInfo[] {
    return this.cluster().secrets.apiTokens.map(({ hash: _h, ...info }) => info);
  }

  /** Autolock on (a new unlock key) or off; managers rewrap their data keys on their own. */
  async updateSwarm(req: SwarmUpdateRequest): Promise<UnlockKey> {
    const s = await this.updateSecrets((cur) => {
      const { unlockKey: _old, ...rest } = cur;
      if (!req.autolock) return rest;
      return { ...rest, unlockKey: cur.unlockKey ?? newUnlockKey() };
    });
    this.log.info({ autolock: req.autolock }, 'autolock changed');
    return s.unlockKey ? { unlockKey: s.unlockKey } : {};
  }

  /** The unlock key, or a new one; FAILED_PRECONDITION when autolock is off. */
  async unlockKey(rotate = false): Promise<UnlockKey> {
    if (!rotate) {
      const key = this.cluster().secrets.unlockKey;
      if (!key) throw autolockOff();
      return { unlockKey: key };
    }
    const s = await this.updateSecrets((cur) => {
      if (!cur.unlockKey) throw autolockOff();
      return { ...cur, unlockKey: newUnlockKey() };
    });
    this.log.info({}, 'unlock key rotated');
    return { unlockKey: s.unlockKey };
  }

  async removeApiToken(ref: string): Promise<void> {
    await this.updateSecrets((cur) => {
      const hit = cur.apiTokens.filter((t) => t.id === ref || t.name === ref);
      if (hit.length === 0) throw notFound('token', ref);
      return { ...cur, apiTokens: cur.apiTokens.filter((t) => !hit.includes(t)) };
    });
  }

  /** Leader only: checks the token, records the node, issues its certificate. */
  async join(req: NodeJoinRequest, description: NodeDescription): Promise<NodeJoinResponse> {
    this.mgr.requireLeader();
    const cluster = this.cluster();
    const { joinTokens, rootCA } = cluster.secrets;
    const role: NodeRole | undefined = sameJoinToken(req.token, joinTokens.manager)
      ? 'manager'
      : sameJoinToken(req.token, joinTokens.worker)
        ? 'worker'
        : undefined;
    if (!role) {
      throw new SwarmletError(
        'UNAUTHORIZED',
        'invalid join token: it does not match this cluster, or it was rotated',
      );
    }
    if (role === 'manager' && !/:\d+$/.test(req.advertiseAddr)) {
      throw new SwarmletError('INVALID_ARGUMENT', 'a joining manager needs an advertise address');
    }
    const certPem = await issueNodeCert(rootCA, {
      csrPem: req.csrPem,
      nodeId: req.nodeId,
      role,
      clusterId: cluster.id,
      validityMs: cluster.spec.ca?.nodeCertExpiryMs ?? DEFAULT_CERT_VALIDITY_MS,
    });
    const addr = req.advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    await this.mgr.store.update((tx) => {
      const existing = tx.get('node', req.nodeId);
      const base = {
        spec: { role, availability: 'active' as const, labels: existing?.spec.labels ?? {} },
        description,
        status: { state: 'unknown' as const, message: 'joined', addr },
      };
      if (existing) {
        const { managerStatus: _m, ...rest } = existing;
        tx.update('node', { ...rest, ...base });
      } else tx.create('node', { id: req.nodeId, ...base });
    });
    if (role === 'manager') await this.mgr.addLearner(req.nodeId, req.advertiseAddr);
    this.log.info({ nodeId: req.nodeId, role, addr: req.advertiseAddr }, 'node joined');
    return {
      certPem,
      caPem: rootCA.certPem,
      role,
      clusterId: cluster.id,
      managers: this.mgr.managerAddrs(),
      raftPeers: this.mgr.raftPeers(),
    };
  }

  /** Any manager: a new certificate for the caller, with the role the store gives its node. */
  async renew(id: PeerIdentity, csrPem: string): Promise<{ certPem: string; role: NodeRole }> {
    await this.mgr.readBarrier();
    const cluster = this.cluster();
    const node = this.mgr.store.view((tx) => tx.get('node', id.nodeId));
    if (!node) {
      throw new SwarmletError('FORBIDDEN', `node ${id.nodeId} was removed from the cluster`);
    }
    const role = node.spec.role;
    const certPem = await issueNodeCert(cluster.secrets.rootCA, {
      csrPem,
      nodeId: id.nodeId,
      role,
      clusterId: cluster.id,
      validityMs: cluster.spec.ca?.nodeCertExpiryMs ?? DEFAULT_CERT_VALIDITY_MS,
    });
    return { certPem, role };
  }

  /** Leader only: a manager without Raft state (promoted, or rejoining) becomes a learner. */
  async raftJoin(id: PeerIdentity, addr: string): Promise<Record<string, string>> {
    this.mgr.requireLeader();
    const node = this.mgr.store.view((tx) => tx.get('node', id.nodeId));
    if (node?.spec.role !== 'manager') {
      throw new SwarmletError('FORBIDDEN', `node ${id.nodeId} is not a manager`);
    }
    await this.mgr.addLearner(id.nodeId, addr);
    return this.mgr.raftPeers();
  }
}

function autolockOff(): SwarmletError {
  return new SwarmletError(
    'FAILED_PRECONDITION',
    'autolock is off: there is no unlock key (turn it on with `swarmlet update --autolock=true`)',
  );
}
