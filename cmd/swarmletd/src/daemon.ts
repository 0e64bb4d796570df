import { chmod, rm } from 'node:fs/promises';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import {
  SwarmletError,
  type ClusterView,
  type InitRequest,
  type JoinRequest,
  type JoinResult,
  type LeaveRequest,
  type Logger,
} from '@swarmlet/api-types';
import { Agent } from '@swarmlet/agent';
import { buildApi } from '@swarmlet/api';
import { renewalTime } from '@swarmlet/ca';
import { DockerBridgeNetworks, DockerExecutor } from '@swarmlet/executor-docker';
import { NodeDataPlane, execShell } from '@swarmlet/network';
import { clearDataKey, isLocked, loadDataKey } from './cluster/data-key.js';
import { formatAddr, parseAddr } from './cluster/addr.js';
import {
  addressPools,
  bootstrapCluster,
  joinCluster,
  forceNewCluster,
} from './cluster/lifecycle.js';
import type { ManagerNode } from './cluster/manager-node.js';
import { ManagerRuntime } from './cluster/manager-runtime.js';
import { renewCertificate } from './cluster/renew.js';
import { dialSession } from './cluster/session-dial.js';
import type { ControlFrame } from './cluster/ws-channel.js';
import {
  clearClusterState,
  loadMembership,
  NodeCerts,
  raftDir,
  saveMembership,
  type Membership,
} from './cluster/node-state.js';
import type { DaemonConfig } from './config.js';
import { DaemonControl } from './control.js';
import { loadNodeId } from './identity.js';
import { claimSocket } from './socket.js';
import { VERSION } from './version.js';

export { VERSION };

/**
 * The composition root of one node. Inactive until `init` or `join`; then a worker (agent
 * only) or a manager (Raft-replicated store, cluster port, control loops while leading, and an
 * agent too). Role changes (`node promote/demote`) arrive over the agent session and switch the
 * manager runtime on or off. Stopping leaves containers running; the next start adopts them.
 */
export class Daemon {
  membership: Membership | undefined;
  certs: NodeCerts | undefined;
  runtime: ManagerRuntime | undefined;
  private agent: Agent | undefined;
  private readonly servers: FastifyInstance[] = [];
  private renewTimer: NodeJS.Timeout | undefined;
  private dataPlane: NodeDataPlane | undefined;
  /** An autolocked manager after a restart, until `swarmlet unlock`. */
  locked = false;
  private lastLeaderAddr = '';
  /** Serialises init, join, leave and role changes. */
  private lock: Promise<unknown> = Promise.resolve();
  private stopping = false;

  private constructor(
    readonly cfg: DaemonConfig,
    readonly log: Logger,
    readonly nodeId: string,
    readonly executor: DockerExecutor,
  ) {}

  static async start(cfg: DaemonConfig, log: Logger): Promise<Daemon> {
    const nodeId = await loadNodeId(cfg.dataDir);
    const executor = new DockerExecutor({
      ...engineEndpoint(cfg.dockerHost),
      nodeId,
      hostname: cfg.hostname,
    });
    const d = new Daemon(cfg, log, nodeId, executor);
    const [membership, certs] = await Promise.all([
      loadMembership(cfg.dataDir),
      NodeCerts.load(cfg.dataDir),
    ]);
    if (membership && certs) {
      d.membership = membership;
      d.certs = certs;
      if (membership.role === 'manager' && (await isLocked(cfg.dataDir))) {
        // Autolocked: nothing runs until `swarmlet unlock` gives the key (as Docker Swarm).
        d.locked = true;
        log.warn({ nodeId }, 'this manager is locked: run `swarmlet unlock`');
      } else {
        await d.resume();
        log.info({ nodeId, role: membership.role, clusterId: membership.clusterId }, 'rejoined');
      }
    }
    await d.listenUnix();
    return d;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.renewTimer);
    await Promise.all(this.servers.map((s) => s.close()));
    await this.agent?.stop();
    await this.stopDataPlane(false);
    await this.runtime?.stop();
    this.log.info({}, 'stopped; containers keep running');
  }

  /** The manager's replicated state, when this node is a manager. */
  get manager(): ManagerNode | undefined {
    return this.runtime?.mgr;
  }

  knownManagers(): string[] {
    const list = this.membership?.managers ?? [];
    return [...new Set(this.lastLeaderAddr ? [this.lastLeaderAddr, ...list] : list)];
  }

  serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  init(req: InitRequest): Promise<ClusterView> {
    return this.serialise(async () => {
      if (req.forceNewCluster) return this.forceNewCluster();
      if (this.membership) {
        throw new SwarmletError('ALREADY_INITIALIZED', 'this node is already part of a cluster');
      }
      addressPools(req); // bad pools are refused before anything is written
      const description = await this.describe();
      const advertise = parseAddr(req.advertiseAddr ?? '127.0.0.1', 'advertise address');
      const listen = parseAddr(
        req.listenAddr ?? (req.advertiseAddr ? `0.0.0.0:${advertise.port}` : formatAddr(advertise)),
        'listen address',
        advertise.port,
      );
      await clearClusterState(this.cfg.dataDir);
      let boot;
      try {
        boot = await bootstrapCluster({
          req,
          dataDir: this.cfg.dataDir,
          nodeId: this.nodeId,
          description,
          advertiseAddr: formatAddr(advertise),
          startRuntime: async (c) => {
            this.certs = c;
            this.membership = {
              clusterId: c.identity.clusterId,
              role: 'manager',
              advertiseAddr: formatAddr(advertise),
              listenAddr: formatAddr(listen),
              managers: [formatAddr(advertise)],
            };
            await this.startRuntime('new');
            return this.requireRuntime().mgr;
          },
        });
      } catch (err) {
        await this.runtime?.stop().catch(() => undefined);
        this.runtime = undefined;
        this.membership = undefined;
        this.certs = undefined;
        await clearClusterState(this.cfg.dataDir);
        throw err;
      }
      const { certs, cluster } = boot;
      this.certs = certs;
      await saveMembership(this.cfg.dataDir, this.requireMembership());
      this.startAgent();
      this.scheduleRenewal();
      this.log.info({ clusterId: cluster.id, nodeId: this.nodeId }, 'cluster initialised');
      return cluster;
    });
  }

  join(req: JoinRequest): Promise<JoinResult> {
    return this.serialise(async () => {
      if (this.membership) {
        throw new SwarmletError('ALREADY_INITIALIZED', 'this node is already part of a cluster');
      }
      const description = await this.describe();
      await clearClusterState(this.cfg.dataDir);
      const joined = await joinCluster({ req, nodeId: this.nodeId, description });
      this.certs = joined.certs;
      await joined.certs.save(this.cfg.dataDir);
      this.membership = joined.membership;
      if (joined.membership.role === 'manager') await this.startRuntime('join');
      await saveMembership(this.cfg.dataDir, joined.membership);
      this.startAgent();
      this.scheduleRenewal();
      this.log.info({ role: joined.membership.role }, 'joined the cluster');
      return {
        nodeId: this.nodeId,
        role: joined.membership.role,
        clusterId: joined.membership.clusterId,
      };
    });
  }

  leave(req: LeaveRequest): Promise<void> {
    return this.serialise(async () => {
      if (!this.membership) {
        throw new SwarmletError('FAILED_PRECONDITION', 'this node is not part of a cluster');
      }
      if (this.membership.role === 'manager' && !req.force) {
        throw new SwarmletError(
          'FAILED_PRECONDITION',
          'this node is a manager: leaving can cost the cluster its quorum. Demote it first ' +
            '(`swarmlet node demote`), or use `swarmlet leave --force`',
        );
      }
      clearTimeout(this.renewTimer);
      await this.agent?.stop();
      this.agent = undefined;
      await this.runtime?.stop();
      this.runtime = undefined;
      await this.removeManagedContainers();
      await this.stopDataPlane(true);
      await clearClusterState(this.cfg.dataDir);
      this.membership = undefined;
      this.certs = undefined;
      this.log.info({}, 'left the cluster');
    });
  }

  private async forceNewCluster(): Promise<ClusterView> {
    const rt = this.runtime;
    const membership = this.membership;
    if (!rt || !membership || membership.role !== 'manager') {
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        '--force-new-cluster needs a manager with its cluster state',
      );
    }
    await rt.stop();
    this.runtime = undefined;
    const view = await forceNewCluster({
      mgr: rt.mgr,
      dataDir: this.cfg.dataDir,
      nodeId: this.nodeId,
      advertiseAddr: membership.advertiseAddr,
    });
    this.membership = { ...membership, managers: [membership.advertiseAddr] };
    await saveMembership(this.cfg.dataDir, this.membership);
    await this.startRuntime('existing');
    this.log.warn({}, 'forced a new cluster from this manager state; other managers must rejoin');
    return view;
  }

  /** Starts what a member node runs after a restart: the manager runtime, the agent, renewal. */
  private async resume(unlockKey?: string): Promise<void> {
    if (this.requireMembership().role === 'manager') await this.startRuntime('existing', unlockKey);
    this.startAgent();
    this.scheduleRenewal();
  }

  /** `swarmlet unlock`: checks the key against the data key, then starts the node. */
  unlock(unlockKey: string): Promise<void> {
    return this.serialise(async () => {
      if (!this.locked) throw new SwarmletError('FAILED_PRECONDITION', 'this node is not locked');
      await loadDataKey(this.cfg.dataDir, unlockKey.trim()); // throws on a wrong key
      await this.resume(unlockKey.trim());
      this.locked = false;
      this.log.info({}, 'unlocked');
    });
  }

  private async startRuntime(
    bootstrap: 'new' | 'join' | 'existing',
    unlockKey?: string,
  ): Promise<void> {
    const membership = this.requireMembership();
    const certs = this.requireCerts();
    this.runtime = await ManagerRuntime.start({
      daemon: this,
      membership,
      certs,
      bootstrap,
      unlockKey,
    });
  }

  private startAgent(): void {
    if (this.agent) return;
    this.dataPlane ??= this.startDataPlane();
    const dp = this.dataPlane;
    this.agent = new Agent({
      nodeId: this.nodeId,
      onNetMap: dp ? (map) => dp.apply(map) : undefined,
      executor: this.executor,
      log: this.log.child({ component: 'agent' }),
      engineConcurrency: this.cfg.engineConcurrency,
      connect: () =>
        dialSession({
          addrs: () => this.knownManagers(),
          tls: () => this.requireCerts().tls(),
          onControl: (f) => this.onControl(f),
          log: this.log,
        }),
    });
    this.agent.start();
  }

  private onControl(frame: ControlFrame): void {
    if (frame.type === 'hello') {
      this.lastLeaderAddr = frame.leader;
      const m = this.membership;
      if (m && frame.managers.length > 0 && frame.managers.join() !== m.managers.join()) {
        this.membership = { ...m, managers: frame.managers };
        void saveMembership(this.cfg.dataDir, this.membership).catch((err: unknown) =>
          this.log.warn({ err }, 'could not save manager list'),
        );
      }
      return;
    }
    if (frame.type === 'role' && this.membership && frame.role !== this.membership.role) {
      void this.serialise(() => this.changeRole(frame.role)).catch((err: unknown) =>
        this.log.error({ err, role: frame.role }, 'role change failed'),
      );
    }
  }

  /** Promotion or demotion decided by the managers: new certificate, runtime on or off. */
  private async changeRole(role: 'manager' | 'worker'): Promise<void> {
    const m = this.requireMembership();
    if (m.role === role || this.stopping) return;
    this.log.info({ from: m.role, to: role }, 'role change');
    await this.renew();
    if (this.requireCerts().identity.role !== role) {
      throw new Error(`the managers issued a ${this.requireCerts().identity.role} certificate`);
    }
    if (role === 'worker') {
      await this.runtime?.stop();
      this.runtime = undefined;
      this.membership = { ...m, role };
      await clearRaft(this.cfg.dataDir);
    } else {
      const advertise = parseAddr(m.advertiseAddr, 'advertise address');
      this.membership = {
        ...m,
        role,
        listenAddr: m.listenAddr || `0.0.0.0:${advertise.port}`,
      };
      await clearRaft(this.cfg.dataDir);
      await this.startRuntime('join');
      const raftPeers = await this.requireRuntime().requestRaftJoin();
      this.membership = { ...this.requireMembership(), raftPeers };
    }
    await saveMembership(this.cfg.dataDir, this.requireMembership());
  }

  /** Gets a fresh certificate from the managers and switches every listener to it. */
  async renew(): Promise<void> {
    const certs = await renewCertificate({
      nodeId: this.nodeId,
      certs: this.requireCerts(),
      managers: this.knownManagers(),
    });
    await certs.save(this.cfg.dataDir);
    this.certs = certs;
    this.runtime?.setTls(certs.tls());
    this.scheduleRenewal();
    this.log.info({ expires: certs.identity.notAfter.toISOString() }, 'certificate renewed');
  }

  private scheduleRenewal(retryMs?: number): void {
    clearTimeout(this.renewTimer);
    const certs = this.certs;
    if (!certs || this.stopping) return;
    const { notBefore, notAfter } = certs.identity;
    const at =
      retryMs === undefined ? renewalTime(notBefore, notAfter).getTime() : Date.now() + retryMs;
    const delay = Math.min(Math.max(at - Date.now(), 0), 2 ** 31 - 1);
    this.renewTimer = setTimeout(() => {
      void this.serialise(() => this.renew()).catch((err: unknown) => {
        const validity = notAfter.getTime() - notBefore.getTime();
        this.log.warn({ err }, 'certificate renewal failed; retrying');
        this.scheduleRenewal(Math.min(Math.max(validity / 20, 1_000), 60_000));
      });
    }, delay);
    this.renewTimer.unref();
  }

  /** The node's data plane, created with the agent (unless `--no-data-plane`). */
  private startDataPlane(): NodeDataPlane | undefined {
    if (!this.cfg.dataPlane) return undefined;
    const dp = new NodeDataPlane({
      bridges: new DockerBridgeNetworks(() => this.executor.engine()),
      shell: execShell(),
      log: this.log.child({ component: 'dataplane' }),
      drainMs: this.cfg.drainMs,
      dnsPort: this.cfg.dnsPort,
    });
    this.executor.networking = dp;
    return dp;
  }

  private async stopDataPlane(teardown: boolean): Promise<void> {
    const dp = this.dataPlane;
    this.dataPlane = undefined;
    this.executor.networking = undefined;
    if (!dp) return;
    try {
      await (teardown ? dp.teardown() : dp.stop());
    } catch (err) {
      this.log.warn({ err }, 'stopping the data plane failed');
    }
  }

  private async removeManagedContainers(): Promise<void> {
    const owned = (await this.executor.list()).filter((c) => c.nodeId === this.nodeId);
    for (const c of owned) await this.executor.removeContainer(c.containerId);
    await this.executor.pruneTaskFiles([]);
  }

  async describe(): Promise<Awaited<ReturnType<DockerExecutor['describe']>>> {
    return this.executor.describe().catch((err: unknown) => {
      throw new SwarmletError(
        'UNAVAILABLE',
        `cannot reach the Docker engine: ${(err as Error).message}`,
        { cause: err },
      );
    });
  }

  requireMembership(): Membership {
    if (!this.membership) {
      throw new SwarmletError(
        'NOT_INITIALIZED',
        'this node is not part of a cluster yet: run `swarmlet init` or `swarmlet join`',
      );
    }
    return this.membership;
  }

  requireCerts(): NodeCerts {
    if (!this.certs) throw new SwarmletError('NOT_INITIALIZED', 'this node has no certificate');
    return this.certs;
  }

  private requireRuntime(): ManagerRuntime {
    if (!this.runtime) throw new SwarmletError('INTERNAL', 'manager runtime not running');
    return this.runtime;
  }

  private async listenUnix(): Promise<void> {
    const control = new DaemonControl(this);
    await claimSocket(this.cfg.socket);
    const unix = buildApi({
      loggerInstance: this.log as unknown as FastifyBaseLogger,
      control,
      swarm: control,
      beforeRead: async () => this.manager?.readBarrier(),
    });
    // Restrictive umask window: the socket is created 0600 (root only, like docker.sock).
    const umask = process.umask(0o177);
    try {
      await unix.listen({ path: this.cfg.socket });
    } finally {
      process.umask(umask);
    }
    await chmod(this.cfg.socket, 0o600);
    this.servers.push(unix);
    this.log.info({ socket: this.cfg.socket }, 'API listening on unix socket');
    if (this.cfg.tcp) {
      const tcp = buildApi({ control, swarm: control });
      await tcp.listen({ host: this.cfg.tcp.host, port: this.cfg.tcp.port });
      this.servers.push(tcp);
      this.log.info(
        { addr: `${this.cfg.tcp.host}:${this.cfg.tcp.port}` },
        'API listening on TCP (loopback only, unauthenticated: for tests)',
      );
    }
  }

  async apiVersion(): Promise<string> {
    const docker = await this.executor.engine();
    return (docker.modem as { version?: string }).version ?? '';
  }
}

async function clearRaft(dataDir: string): Promise<void> {
  await rm(raftDir(dataDir), { recursive: true, force: true });
  await clearDataKey(dataDir);
}

function engineEndpoint(host: string | undefined): { host?: string; socketPath?: string } {
  if (!host) return { socketPath: '/var/run/docker.sock' };
  return { host };
}
