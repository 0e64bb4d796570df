import { rename } from 'node:fs/promises';
import {
  SwarmletError,
  toClusterView,
  type ClusterView,
  type InitRequest,
  type JoinRequest,
  type NodeDescription,
} from '@swarmlet/api-types';
import {
  DEFAULT_CERT_VALIDITY_MS,
  createNodeKey,
  createRootCA,
  issueNodeCert,
  makeJoinToken,
  parseJoinToken,
  tokenMatchesCA,
} from '@swarmlet/ca';
import { encodeSnapshot, formatCidr, overlaps, parseCidr, type Cidr } from '@swarmlet/manager';
import { FileStorage, encodeNodeSnapshot } from '@swarmlet/raft';
import { newId, type StoreSnapshot } from '@swarmlet/store';
import { formatAddr, parseAddr } from './addr.js';
import type { ManagerNode } from './manager-node.js';
import { leaderRequest, nodeRequest } from './node-client.js';
import type { NodeJoinResponse } from './node-routes.js';
import { NodeCerts, raftDir, type Membership } from './node-state.js';

export interface BootstrapOptions {
  req: InitRequest;
  dataDir: string;
  nodeId: string;
  description: NodeDescription;
  advertiseAddr: string;
  /** Starts the manager runtime as the only Raft voter once the certificate exists. */
  startRuntime: (certs: NodeCerts) => Promise<ManagerNode>;
}

/**
 * `swarmlet init`: root CA, this node's manager certificate, a one-voter Raft, and the cluster
 * and node objects written through it (with the CA key and join tokens in the cluster secrets).
 */
export async function bootstrapCluster(
  o: BootstrapOptions,
): Promise<{ certs: NodeCerts; cluster: ClusterView }> {
  const clusterId = newId();
  const rootCA = await createRootCA({ commonName: `swarmlet-ca-${clusterId}` });
  const key = await createNodeKey(o.nodeId);
  const validityMs = o.req.certExpiryMs ?? DEFAULT_CERT_VALIDITY_MS;
  const certPem = await issueNodeCert(rootCA, {
    csrPem: key.csrPem,
    nodeId: o.nodeId,
    role: 'manager',
    clusterId,
    validityMs,
  });
  const certs = new NodeCerts(rootCA.certPem, certPem, key.keyPem);
  await certs.save(o.dataDir);
  const mgr = await o.startRuntime(certs);
  await waitUntil(() => mgr.isLeader, 10_000, 'this manager did not become Raft leader');
  await recordBootstrapVoter(mgr, o.nodeId, o.advertiseAddr);
  const addr = parseAddr(o.advertiseAddr, 'advertise address').host;
  const cluster = await mgr.store.update((tx) => {
    tx.create('node', {
      id: o.nodeId,
      spec: { role: 'manager', availability: 'active', labels: {} },
      description: o.description,
      status: { state: 'unknown', message: '', addr },
      managerStatus: { leader: true, reachability: 'reachable', addr: o.advertiseAddr },
    });
    return tx.create('cluster', {
      id: clusterId,
      spec: {
        name: o.req.clusterName ?? 'default',
        orchestration: { taskHistoryRetentionLimit: o.req.taskHistoryRetentionLimit ?? 5 },
        dispatcher: { heartbeatPeriodMs: o.req.heartbeatPeriodMs ?? 5_000 },
        ca: { nodeCertExpiryMs: validityMs },
        network: addressPools(o.req),
      },
      secrets: {
        rootCA,
        joinTokens: {
          worker: makeJoinToken(rootCA.certPem),
          manager: makeJoinToken(rootCA.certPem),
        },
        apiTokens: [],
      },
    });
  });
  return { certs, cluster: toClusterView(cluster) };
}

export interface JoinOptions {
  req: JoinRequest;
  nodeId: string;
  description: NodeDescription;
}

/**
 * `swarmlet join`: fetch the CA from the manager and pin it by the token's digest, then send a
 * CSR with the token; the leader answers with a certificate naming this node and its role.
 */
export async function joinCluster(
  o: JoinOptions,
): Promise<{ certs: NodeCerts; membership: Membership }> {
  const token = parseJoinToken(o.req.token);
  const remote = formatAddr(parseAddr(o.req.remoteAddr, 'manager address'));
  const ca = await nodeRequest<{ certPem: string }>(remote, 'GET', '/v1/node/ca', undefined);
  if (!tokenMatchesCA(token, ca.body.certPem)) {
    throw new SwarmletError(
      'UNAUTHORIZED',
      `the manager at ${remote} does not present the CA this join token names ` +
        '(a token of another cluster, or someone in between)',
    );
  }
  const local = ca.localAddress.replace(/^::ffff:/, '');
  const advertise = parseAddr(o.req.advertiseAddr ?? local, 'advertise address');
  const key = await createNodeKey(o.nodeId);
  const res = await leaderRequest<NodeJoinResponse>(
    [remote],
    'POST',
    '/v1/node/join',
    {
      token: o.req.token,
      nodeId: o.nodeId,
      csrPem: key.csrPem,
      advertiseAddr: formatAddr(advertise),
      description: o.description,
    },
    { tls: { ca: ca.body.certPem } },
  );
  const j = res.body;
  const certs = new NodeCerts(j.caPem, j.certPem, key.keyPem);
  const listen = o.req.listenAddr
    ? formatAddr(parseAddr(o.req.listenAddr, 'listen address', advertise.port))
    : `0.0.0.0:${advertise.port}`;
  return {
    certs,
    membership: {
      clusterId: j.clusterId,
      role: j.role,
      advertiseAddr: formatAddr(advertise),
      listenAddr: listen,
      managers: j.managers.length > 0 ? j.managers : [remote],
      raftPeers: j.raftPeers,
    },
  };
}

export interface ForceNewClusterOptions {
  /** The stopped manager: its store holds everything this node applied. */
  mgr: ManagerNode;
  dataDir: string;
  nodeId: string;
  advertiseAddr: string;
}

/**
 * `init --force-new-cluster`: rewrites this manager's Raft state as a one-voter cluster holding
 * the state it applied (as etcd and swarmkit do). The old log is kept beside it as
 * `raft.old-<time>`. Other managers become workers in the store: when they reconnect, their
 * agent session tells them, and they drop their Raft state.
 */
export async function forceNewCluster(o: ForceNewClusterOptions): Promise<ClusterView> {
  const snap = o.mgr.store.snapshot();
  const hard = o.mgr.lastHardState;
  const applied = o.mgr.lastApplied;
  const state = demoteOthers(snap, o.nodeId, o.advertiseAddr);
  const dir = raftDir(o.dataDir);
  await rename(dir, `${dir}.old-${Date.now()}`);
  const storage = await FileStorage.open(dir, {
    initialConf: { voters: [o.nodeId], learners: [] },
  });
  const term = hard.term + 1;
  const confState = { voters: [o.nodeId], learners: [] };
  await storage.saveSnapshot({
    meta: { index: applied, term, confState },
    data: encodeNodeSnapshot({
      addrs: new Map([[o.nodeId, o.advertiseAddr]]),
      state: encodeSnapshot(state),
    }),
  });
  await storage.save({ term, vote: '', commit: applied }, []);
  await storage.close();
  const cluster = state.objects.cluster?.[0];
  if (!cluster) throw new SwarmletError('FAILED_PRECONDITION', 'this manager has no cluster state');
  return toClusterView(cluster);
}

function demoteOthers(snap: StoreSnapshot, selfId: string, selfAddr: string): StoreSnapshot {
  const nodes = (snap.objects.node ?? []).map((n) => {
    if (n.id === selfId) {
      return { ...n, managerStatus: { leader: true, reachability: 'reachable', addr: selfAddr } };
    }
    if (n.spec.role !== 'manager') return n;
    const { managerStatus: _m, ...rest } = n;
    return { ...rest, spec: { ...n.spec, role: 'worker' as const } };
  });
  return { ...snap, objects: { ...snap.objects, node: nodes } };
}

/**
 * The first voter is in the bootstrap snapshot only; managers that join later replay the log
 * from index 1 and would never learn it is a member (nor its address). Re-adding it as a voter,
 * a no-op for the membership, puts it in the log as etcd's bootstrap entries do.
 */
async function recordBootstrapVoter(mgr: ManagerNode, nodeId: string, addr: string): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      await mgr.raft.addVoter(nodeId, addr);
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** `--default-addr-pool` and `--default-addr-pool-mask-len`, checked (Swarm's defaults otherwise). */
export function addressPools(req: InitRequest): { addrPools: string[]; subnetPrefix: number } {
  const pools = (req.defaultAddrPool ?? ['10.0.0.0/8']).map((p) =>
    parseCidr(p, '--default-addr-pool'),
  );
  const subnetPrefix = req.defaultAddrPoolMaskLen ?? 24;
  for (const p of pools) {
    if (subnetPrefix < p.prefix) {
      throw new SwarmletError(
        'INVALID_ARGUMENT',
        `--default-addr-pool-mask-len ${subnetPrefix} is shorter than the pool ${formatCidr(p)}`,
      );
    }
  }
  for (let i = 0; i < pools.length; i++) {
    for (let j = i + 1; j < pools.length; j++) {
      if (overlaps(pools[i] as Cidr, pools[j] as Cidr)) {
        throw new SwarmletError('INVALID_ARGUMENT', '--default-addr-pool prefixes overlap');
      }
    }
  }
  return { addrPools: pools.map(formatCidr), subnetPrefix };
}

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new SwarmletError('UNAVAILABLE', what);
    await new Promise((r) => setTimeout(r, 10));
  }
}
