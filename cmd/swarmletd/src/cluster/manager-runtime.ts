import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { SwarmletError, type AgentMessage, type ManagerMessage } from '@swarmlet/api-types';
import type { TlsMaterial } from '@swarmlet/ca';
import { RAFT_WS_PATH } from '@swarmlet/raft';
import type { Daemon } from '../daemon.js';
import { DaemonControl } from '../control.js';
import { parseAddr } from './addr.js';
import { ClusterOps } from './cluster-ops.js';
import { ClusterServer } from './cluster-server.js';
import { ManagerNode } from './manager-node.js';
import { leaderRequest } from './node-client.js';
import type { Membership, NodeCerts } from './node-state.js';
import { LEADER_HEADER, SESSION_PATH } from './session-dial.js';
import { WsChannel } from './ws-channel.js';

export interface RuntimeOptions {
  daemon: Daemon;
  membership: Membership;
  certs: NodeCerts;
  bootstrap: 'new' | 'join' | 'existing';
  /** The unlock key of an autolocked manager (`swarmlet unlock`). */
  unlockKey?: string | undefined;
}

/**
 * Everything a manager runs beside its agent: the Raft-replicated store (`ManagerNode`), the
 * cluster port (`ClusterServer`: API, node endpoints, Raft and agent-session WebSockets) and the
 * leader-side cluster operations.
 */
export class ManagerRuntime {
  readonly ops: ClusterOps;
  private readonly sessions = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  private constructor(
    private readonly o: RuntimeOptions,
    readonly mgr: ManagerNode,
    readonly server: ClusterServer,
    ops: ClusterOps,
  ) {
    this.ops = ops;
  }

  static async start(o: RuntimeOptions): Promise<ManagerRuntime> {
    const { daemon, membership, certs } = o;
    const log = daemon.log.child({ component: 'manager' });
    const mgr = await ManagerNode.open({
      dataDir: daemon.cfg.dataDir,
      nodeId: daemon.nodeId,
      advertiseAddr: membership.advertiseAddr,
      peers: membership.raftPeers ?? {},
      tls: certs.tls(),
      log,
      bootstrap: o.bootstrap,
      heartbeatPeriodMs: daemon.cfg.heartbeatPeriodMs,
      unlockKey: o.unlockKey,
    });
    const ops = new ClusterOps(mgr, log);
    const control = new DaemonControl(daemon);
    const late: { rt?: ManagerRuntime } = {};
    const server = new ClusterServer({
      listen: parseAddr(membership.listenAddr, 'listen address'),
      tls: certs.tls(),
      log,
      control,
      swarm: control,
      beforeRead: () => mgr.readBarrier(),
      clusterId: () => membership.clusterId,
      apiTokens: () => mgr.store.view((tx) => tx.find('cluster')[0]?.secrets?.apiTokens ?? []),
      node: ops,
      upgrades: {
        [RAFT_WS_PATH]: {
          roles: ['manager'],
          handle: (req, socket, head) => mgr.handleRaftUpgrade(req, socket, head),
        },
        [SESSION_PATH]: {
          roles: ['manager', 'worker'],
          handle: (req, socket, head, id) => late.rt?.acceptSession(req, socket, head, id.nodeId),
        },
      },
    });
    try {
      await server.start();
    } catch (err) {
      await mgr.stop();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
        throw new SwarmletError(
          'FAILED_PRECONDITION',
          `cannot listen on ${membership.listenAddr} (${code}): choose another --listen-addr`,
          { cause: err },
        );
      }
      throw err;
    }
    late.rt = new ManagerRuntime(o, mgr, server, ops);
    return late.rt;
  }

  async stop(): Promise<void> {
    for (const c of this.sessions.clients) c.terminate();
    await this.server.stop();
    await this.mgr.stop();
  }

  setTls(tls: TlsMaterial): void {
    this.server.setTls(tls);
    this.mgr.transport.setTls(tls);
  }

  /**
   * Asks the leader to add this manager to Raft (after a promotion), retrying for a while;
   * answers the Raft members so the caller can store them.
   */
  async requestRaftJoin(): Promise<Record<string, string>> {
    const d = this.o.daemon;
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const res = await leaderRequest<{ raftPeers: Record<string, string> }>(
          d.knownManagers(),
          'POST',
          '/v1/node/raft-join',
          { addr: this.o.membership.advertiseAddr },
          { tls: d.requireCerts().tls() },
        );
        for (const [id, addr] of Object.entries(res.body.raftPeers)) {
          if (id !== d.nodeId) this.mgr.transport.addPeer(id, addr);
        }
        return res.body.raftPeers;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private acceptSession(req: IncomingMessage, socket: Duplex, head: Buffer, nodeId: string): void {
    const dispatcher = this.mgr.dispatcher();
    if (!dispatcher) {
      const leader = this.mgr.leaderAddr();
      const status = leader ? '307 Temporary Redirect' : '503 Service Unavailable';
      const hint = leader ? `${LEADER_HEADER}: ${leader}\r\n` : '';
      socket.end(`HTTP/1.1 ${status}\r\n${hint}Connection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.sessions.handleUpgrade(req, socket, head, (ws) => {
      const channel = new WsChannel<AgentMessage, ManagerMessage>(ws);
      channel.sendRaw({
        type: 'hello',
        leader: this.o.membership.advertiseAddr,
        managers: this.mgr.managerAddrs(),
      });
      // The certificate, not the message, says who the agent is.
      const checked = {
        send: (m: ManagerMessage) => channel.send(m),
        onClose: (fn: (r: string) => void) => channel.onClose(fn),
        close: (r?: string) => channel.close(r),
        onMessage: (fn: (m: AgentMessage) => void) =>
          channel.onMessage((m) => {
            if (m.type === 'register' && m.nodeId !== nodeId) {
              channel.close('register names another node than the certificate');
              return;
            }
            fn(m);
          }),
      };
      dispatcher.accept(checked);
      this.watchRole(nodeId, channel);
    });
  }

  /** Tells a connected node its role whenever the store's spec says otherwise. */
  private watchRole(nodeId: string, channel: WsChannel<AgentMessage, ManagerMessage>): void {
    const { result, events } = this.mgr.store.viewAndWatch((tx) => tx.get('node', nodeId));
    let last = result?.spec.role;
    if (last) channel.sendRaw({ type: 'role', role: last });
    let open = true;
    channel.onClose(() => {
      open = false;
      events.close();
    });
    void (async () => {
      for await (const ev of events) {
        if (!open) return;
        if (ev.type !== 'object' || ev.kind !== 'node' || ev.object.id !== nodeId) continue;
        if (ev.op === 'delete') {
          channel.close('this node was removed from the cluster');
          return;
        }
        const role = ev.object.spec.role;
        if (role && role !== last) {
          last = role;
          channel.sendRaw({ type: 'role', role });
        }
      }
    })();
  }
}
