// Three etcd 3.4 members on loopback for the Raft benchmark. Only the PIDs started here are ever signalled.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { freePort } from '../../../packages/raft/dist/node/kv-example/process-cluster.js';

/** A 3-member etcd cluster with default timeouts (heartbeat 100 ms, election 1000 ms). */
export class EtcdCluster {
  constructor(dataDir, ids) {
    this.dataDir = dataDir;
    this.ids = ids;
    this.procs = new Map();
    this.clientUrls = {};
    this.peerUrls = {};
    this.clients = {};
  }

  async init() {
    for (const id of this.ids) {
      this.clientUrls[id] = `http://127.0.0.1:${await freePort()}`;
      this.peerUrls[id] = `http://127.0.0.1:${await freePort()}`;
    }
  }

  start(id, state = 'new') {
    const initial = this.ids.map((m) => `${m}=${this.peerUrls[m]}`).join(',');
    const args = [
      '--name',
      id,
      '--data-dir',
      path.join(this.dataDir, id),
      '--listen-client-urls',
      this.clientUrls[id],
      '--advertise-client-urls',
      this.clientUrls[id],
      '--listen-peer-urls',
      this.peerUrls[id],
      '--initial-advertise-peer-urls',
      this.peerUrls[id],
      '--initial-cluster',
      initial,
      '--initial-cluster-state',
      state,
      '--initial-cluster-token',
      'swarmlet-bench',
      '--logger',
      'zap',
      '--log-level',
      'error',
    ];
    const child = spawn('etcd', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    this.procs.set(id, child);
    return child.pid;
  }

  startAll() {
    for (const id of this.ids) this.start(id);
  }

  client(id) {
    // No retries or circuit breaker: failover timing must see the cluster, not client back-off.
    this.clients[id] ??= new Etcd3({
      hosts: this.clientUrls[id],
      faultHandling: { host: () => noop, global: noop },
    });
    return this.clients[id];
  }

  /** Puts until acknowledged, recreating the client after failures (its circuit breaker may be open). */
  async putReliably(id, key, value, tries = 100) {
    for (let i = 0; ; i++) {
      try {
        return await withTimeout(this.client(id).put(key).value(value).exec(), 2000);
      } catch (err) {
        this.clients[id]?.close();
        delete this.clients[id];
        if (i >= tries) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async kill(id, signal = 'SIGKILL') {
    const p = this.procs.get(id);
    this.procs.delete(id);
    this.clients[id]?.close();
    delete this.clients[id];
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }

  async killAll() {
    await Promise.all([...this.procs.keys()].map((id) => this.kill(id)));
  }

  async isLeader(id) {
    try {
      const st = await withTimeout(this.client(id).maintenance.status(), 500);
      return st.leader === st.header.member_id;
    } catch {
      return false;
    }
  }

  async waitForLeader(timeoutMs = 20_000, except) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      for (const id of this.procs.keys()) {
        if (id !== except && (await this.isLeader(id))) return id;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('etcd: no leader in time');
  }
}

export function withTimeout(p, ms) {
  let t;
  return Promise.race([
    p,
    new Promise((_, rej) => (t = setTimeout(() => rej(new Error('timeout')), ms))),
  ]).finally(() => clearTimeout(t));
}
