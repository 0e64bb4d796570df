import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A port the OS just reported free on 127.0.0.1 (small race until it is bound again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Status reported by `GET /status` of one KV server. */
export interface KvStatus {
  leader: string;
  isLeader: boolean;
  applied: number;
  /** Fsynced WAL batches and the entries they carried. */
  storage?: { saves: number; entries: number };
  /** Snapshots installed from a leader and taken locally since the process started. */
  snapshots: { snapshotsInstalled: number; snapshotsTaken: number; badMessages: number };
}

/** Options of `KvProcessCluster`. */
export interface KvProcessClusterOptions {
  ids: string[];
  /** Parent of each node's data directory. */
  dataDir: string;
  tickMs?: number;
  electionTick?: number;
  snapshotEvery?: number;
  catchUpEntries?: number;
  /** Path of the compiled server entry (default: `main.js` beside this module's compiled copy). */
  main?: string;
}

/** The compiled `main.js`, also when this module runs from `src/` under vitest. */
function defaultMain(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dist = here.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`);
  return path.join(dist, 'main.js');
}

/**
 * Real KV server processes on loopback (the compiled `main.js`), for the
 * integration test and the benchmark. Tracks each child by PID and only ever
 * signals those PIDs; `killAll()` must be called in a finally block.
 */
export class KvProcessCluster {
  readonly raftAddrs: Record<string, string> = {};
  readonly httpAddrs: Record<string, string> = {};
  private readonly procs = new Map<string, ChildProcess>();

  private constructor(private readonly o: KvProcessClusterOptions) {}

  /** Picks ports for every node; no process is started yet. */
  static async create(o: KvProcessClusterOptions): Promise<KvProcessCluster> {
    const c = new KvProcessCluster(o);
    for (const id of o.ids) {
      c.raftAddrs[id] = `127.0.0.1:${await freePort()}`;
      c.httpAddrs[id] = `127.0.0.1:${await freePort()}`;
    }
    return c;
  }

  /** HTTP addresses of every node, in id order. */
  get servers(): string[] {
    return this.o.ids.map((id) => this.httpAddrs[id] as string);
  }

  /** Starts node `id` and resolves with its PID once it printed its ready line. */
  start(id: string): Promise<number> {
    const main = this.o.main ?? defaultMain();
    const join = (m: Record<string, string>): string =>
      Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
    const args = [
      main,
      '--id',
      id,
      '--data',
      path.join(this.o.dataDir, id),
      '--peers',
      join(this.raftAddrs),
      '--http',
      join(this.httpAddrs),
    ];
    const flags: [string, number | undefined][] = [
      ['--tick-ms', this.o.tickMs],
      ['--election-tick', this.o.electionTick],
      ['--snapshot-every', this.o.snapshotEvery],
      ['--catch-up-entries', this.o.catchUpEntries],
    ];
    for (const [flag, v] of flags) if (v !== undefined) args.push(flag, String(v));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.procs.set(id, child);
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"ready":true')) resolve(child.pid as number);
      });
      child.once('exit', (code) =>
        reject(new Error(`kv node ${id} exited with ${code} before ready`)),
      );
    });
  }

  /** Starts every node. */
  async startAll(): Promise<void> {
    await Promise.all(this.o.ids.map((id) => this.start(id)));
  }

  /** Sends `signal` to node `id`'s process (by PID) and waits for it to exit. */
  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.procs.get(id);
    this.procs.delete(id);
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }

  /** Kills every process this cluster started. Safe to call twice. */
  async killAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all([...this.procs.keys()].map((id) => this.kill(id, signal)));
  }

  /** PIDs of running nodes. */
  pids(): number[] {
    return [...this.procs.values()].map((p) => p.pid as number);
  }

  /** `GET /status` of node `id`, or undefined if it does not answer. */
  async status(id: string): Promise<KvStatus | undefined> {
    const r = await httpGet(this.httpAddrs[id] as string, '/status').catch(() => undefined);
    return r === undefined ? undefined : (JSON.parse(r) as KvStatus);
  }

  /** Polls until some running node says it is leader; returns its id. */
  async waitForLeader(timeoutMs = 15_000, except?: string): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      for (const id of this.procs.keys()) {
        if (id === except) continue;
        if ((await this.status(id))?.isLeader) return id;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no leader elected in time');
  }

  /** `GET /dump` of node `id`: applied index and every key. */
  async dump(id: string): Promise<{ applied: number; data: Record<string, string> }> {
    return JSON.parse(await httpGet(this.httpAddrs[id] as string, '/dump')) as {
      applied: number;
      data: Record<string, string>;
    };
  }
}

function httpGet(server: string, p: string): Promise<string> {
  const [host, port] = server.split(':');
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port: Number(port), path: p, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
