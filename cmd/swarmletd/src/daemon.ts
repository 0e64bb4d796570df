import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  SwarmletError,
  type AgentMessage,
  type Cluster,
  type InitRequest,
  type Logger,
  type ManagerMessage,
} from '@swarmlet/api-types';
import { Agent, channelPair } from '@swarmlet/agent';
import { buildApi } from '@swarmlet/api';
import { DockerExecutor } from '@swarmlet/executor-docker';
import { ControlServer, Manager } from '@swarmlet/manager';
import { MemoryStore, WalProposer } from '@swarmlet/store';
import type { DaemonConfig } from './config.js';
import { DaemonControl } from './control.js';
import { loadNodeId } from './identity.js';
import { claimSocket } from './socket.js';

export const VERSION = '0.1.0';

/**
 * The composition root of one node: store (replayed from its write-ahead log), the leader's
 * control loops, the agent on the local Docker engine, and the API. Stopping it leaves
 * containers running; the next start adopts them.
 */
export class Daemon {
  private manager: Manager | undefined;
  private agent: Agent | undefined;
  private controlServer: ControlServer | undefined;
  private readonly servers: FastifyInstance[] = [];

  private constructor(
    private readonly cfg: DaemonConfig,
    private readonly log: Logger,
    readonly nodeId: string,
    private readonly store: MemoryStore,
    private readonly wal: WalProposer,
    private readonly executor: DockerExecutor,
  ) {}

  static async start(cfg: DaemonConfig, log: Logger): Promise<Daemon> {
    const nodeId = await loadNodeId(cfg.dataDir);
    const { wal, recovery } = await WalProposer.open(join(cfg.dataDir, 'state'));
    const store = new MemoryStore({ proposer: wal });
    if (recovery.snapshot) store.restore(recovery.snapshot);
    for (const p of recovery.proposals) store.applyCommitted(p);
    log.info(
      { nodeId, version: store.version, truncatedBytes: recovery.truncatedBytes },
      'state recovered',
    );
    const executor = new DockerExecutor({
      ...engineEndpoint(cfg.dockerHost),
      nodeId,
      hostname: cfg.hostname,
    });
    const d = new Daemon(cfg, log, nodeId, store, wal, executor);
    if (store.view((tx) => tx.find('cluster').length > 0)) d.activate();
    await d.listen();
    return d;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
    await this.agent?.stop();
    await this.manager?.stop();
    await this.wal.close();
    this.log.info({}, 'stopped; containers keep running');
  }

  private activate(): void {
    this.controlServer = new ControlServer(this.store);
    this.manager = new Manager({
      store: this.store,
      log: this.log,
      heartbeatPeriodMs: this.cfg.heartbeatPeriodMs,
    });
    this.manager.start();
    const dispatcher = this.manager.dispatcher;
    this.agent = new Agent({
      nodeId: this.nodeId,
      executor: this.executor,
      log: this.log.child({ component: 'agent' }),
      engineConcurrency: this.cfg.engineConcurrency,
      connect: async () => {
        const [agentEnd, managerEnd] = channelPair<AgentMessage, ManagerMessage>();
        dispatcher.accept(managerEnd);
        return agentEnd;
      },
    });
    this.agent.start();
  }

  private async init(req: InitRequest): Promise<Cluster> {
    if (this.controlServer)
      throw new SwarmletError('ALREADY_INITIALIZED', 'this node is already part of a cluster');
    const description = await this.executor.describe().catch((err: unknown) => {
      throw new SwarmletError(
        'UNAVAILABLE',
        `cannot reach the Docker engine: ${(err as Error).message}`,
        { cause: err },
      );
    });
    const cluster = await this.store.update((tx) => {
      if (tx.find('cluster').length > 0)
        throw new SwarmletError('ALREADY_INITIALIZED', 'this node is already part of a cluster');
      tx.create('node', {
        id: this.nodeId,
        spec: { role: 'manager', availability: 'active', labels: {} },
        description,
        status: { state: 'unknown', message: '', addr: '' },
        managerStatus: { leader: true, reachability: 'reachable', addr: '' },
      });
      return tx.create('cluster', {
        spec: {
          name: req.clusterName ?? 'default',
          orchestration: { taskHistoryRetentionLimit: req.taskHistoryRetentionLimit ?? 5 },
          dispatcher: { heartbeatPeriodMs: req.heartbeatPeriodMs ?? 5_000 },
        },
      });
    });
    this.activate();
    this.log.info({ clusterId: cluster.id, nodeId: this.nodeId }, 'cluster initialised');
    return cluster;
  }

  private async listen(): Promise<void> {
    const control = new DaemonControl({
      store: this.store,
      nodeId: this.nodeId,
      dataDir: this.cfg.dataDir,
      version: VERSION,
      cluster: () => this.controlServer,
      init: (req) => this.init(req),
      engine: async () => ({
        version: (await this.executor.describe()).engine.version,
        apiVersion: await this.apiVersion(),
      }),
    });
    await claimSocket(this.cfg.socket);
    const unix = buildApi({ control });
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
      const tcp = buildApi({ control });
      await tcp.listen({ host: this.cfg.tcp.host, port: this.cfg.tcp.port });
      this.servers.push(tcp);
      this.log.info(
        { addr: `${this.cfg.tcp.host}:${this.cfg.tcp.port}` },
        'API listening on TCP (loopback only)',
      );
    }
  }

  private async apiVersion(): Promise<string> {
    const docker = await this.executor.engine();
    return (docker.modem as { version?: string }).version ?? '';
  }
}

function engineEndpoint(host: string | undefined): { host?: string; socketPath?: string } {
  if (!host) return { socketPath: '/var/run/docker.sock' };
  return { host };
}
