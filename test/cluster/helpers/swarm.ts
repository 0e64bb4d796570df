import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Info, Node, Service, ServiceView, Task } from '@swarmlet/api-types';
import {
  MANAGERS,
  NODE_ADDRS,
  NODES,
  WORKERS,
  containerId,
  exec,
  healAll,
  innerDocker,
  start,
  state,
  swarmlet,
  trySwarmlet,
  waitFor,
  waitHealthy,
  type ExecResult,
  type NodeName,
} from './compose.js';

/**
 * Swarmlet-level helpers for the cluster suite, on top of compose.ts: the cluster formation every
 * test file starts with (`ensureCluster`, idempotent), and readers of the CLI's `--format json`
 * output. Every call goes through the `swarmlet` CLI inside a node (`docker exec`), bounded.
 */

/** Heartbeat period the suite initialises the cluster with: DOWN after 3 missed beats (3 s). */
export const HEARTBEAT_MS = 1_000;

export type { NodeName };

/** `swarmlet info --format json` on `node`. */
export async function info(node: NodeName): Promise<Info> {
  return JSON.parse(await swarmlet(node, 'info', '--format', 'json')) as Info;
}

/** The first of `nodes` whose CLI call succeeds (e.g. the managers still up); throws the last error. */
async function onAny<T>(nodes: readonly NodeName[], fn: (n: NodeName) => Promise<T>): Promise<T> {
  let last: unknown = new Error('no node to ask');
  for (const n of nodes) {
    try {
      return await fn(n);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** `node ls --format json` through `via` (default: the first manager that answers). */
export function listNodes(via: NodeName | readonly NodeName[] = MANAGERS): Promise<Node[]> {
  return onAny(typeof via === 'string' ? [via] : via, async (n) =>
    parse<Node[]>(await swarmlet(n, 'node', 'ls', '--format', 'json')),
  );
}

/** `service ls --format json` through `via`. */
export function listServices(
  via: NodeName | readonly NodeName[] = MANAGERS,
): Promise<ServiceView[]> {
  return onAny(typeof via === 'string' ? [via] : via, async (n) =>
    parse<ServiceView[]>(await swarmlet(n, 'service', 'ls', '--format', 'json')),
  );
}

/** `service ps --format json SERVICE` through `via`: every task, history included. */
export function listTasks(
  service: string,
  via: NodeName | readonly NodeName[] = MANAGERS,
): Promise<Task[]> {
  return onAny(typeof via === 'string' ? [via] : via, async (n) =>
    parse<Task[]>(await swarmlet(n, 'service', 'ps', '--format', 'json', service)),
  );
}

function parse<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** `service inspect SERVICE` (its JSON array's one element) through `via`. */
export function inspectService(
  service: string,
  via: NodeName | readonly NodeName[] = MANAGERS,
): Promise<Service> {
  return onAny(typeof via === 'string' ? [via] : via, async (n) => {
    const [svc] = parse<Service[]>(await swarmlet(n, 'service', 'inspect', service));
    if (!svc) throw new Error(`service inspect ${service}: empty answer`);
    return svc;
  });
}

/** `node update ARGS... NODE_ID` through the first manager that answers (e.g. `--label-add k=v`). */
export async function updateNode(nodeId: string, ...args: string[]): Promise<void> {
  await onAny(MANAGERS, (n) => swarmlet(n, 'node', 'update', ...args, nodeId));
}

/** Tasks desired and observed running. */
export function running(tasks: readonly Task[]): Task[] {
  return tasks.filter((t) => t.desiredState === 'running' && t.status.state === 'running');
}

/** Count of tasks per node name (nodes without tasks are present with 0). */
export function perNode(tasks: readonly Task[], names: NodeNames): Record<NodeName, number> {
  const counts = Object.fromEntries(NODES.map((n) => [n, 0])) as Record<NodeName, number>;
  for (const t of tasks) {
    const n = names.byId.get(t.nodeId);
    if (n === undefined) throw new Error(`task ${t.id} on unknown node ${t.nodeId}`);
    counts[n]++;
  }
  return counts;
}

/** Node ids by name and back, from `node ls` (hostnames are the compose service names). */
export interface NodeNames {
  id: Record<NodeName, string>;
  byId: Map<string, NodeName>;
}

export async function nodeNames(
  via: NodeName | readonly NodeName[] = MANAGERS,
): Promise<NodeNames> {
  const nodes = await listNodes(via);
  const id = {} as Record<NodeName, string>;
  const byId = new Map<string, NodeName>();
  for (const n of nodes) {
    const name = n.description.hostname as NodeName;
    if (!(NODES as readonly string[]).includes(name)) continue;
    id[name] = n.id;
    byId.set(n.id, name);
  }
  return { id, byId };
}

/** The manager (among `among`) whose daemon says it leads; undefined when none does. */
export async function findLeader(
  among: readonly NodeName[] = MANAGERS,
): Promise<NodeName | undefined> {
  const infos = await Promise.all(among.map((m) => info(m).catch(() => undefined)));
  const i = infos.findIndex((x) => x?.isLeader === true);
  return i === -1 ? undefined : among[i];
}

/**
 * Waits (bounded) until `among` agree on one leader that is one of them, and returns it.
 */
export async function waitLeader(
  among: readonly NodeName[] = MANAGERS,
  timeoutMs = 20_000,
): Promise<NodeName> {
  return waitFor(
    async () => {
      const infos = await Promise.all(among.map((m) => info(m)));
      const leaders = new Set(infos.map((i) => i.leader ?? ''));
      const self = among.filter((_, k) => infos[k]?.isLeader === true);
      return leaders.size === 1 && self.length === 1 && !leaders.has('') ? self[0] : undefined;
    },
    { timeoutMs, intervalMs: 250, message: `one leader agreed on by ${among.join(', ')}` },
  );
}

/** Why the cluster is not (yet) complete, or '' when it is: 5 READY nodes, 3 reachable managers. */
function incomplete(nodes: readonly Node[]): string {
  const names = nodes.map((n) => n.description.hostname).sort();
  if (names.join() !== [...NODES].sort().join()) return `nodes ${names.join(',')}`;
  const notReady = nodes.filter((n) => n.status.state !== 'ready');
  if (notReady.length > 0) {
    return `not ready: ${notReady.map((n) => `${n.description.hostname}=${n.status.state}`).join(',')}`;
  }
  const managers = nodes.filter((n) => n.spec.role === 'manager');
  const reachable = managers.filter((n) => n.managerStatus?.reachability === 'reachable');
  if (managers.length !== 3 || reachable.length !== 3) {
    const ms = managers.map((n) => `${n.description.hostname}=${n.managerStatus?.reachability}`);
    return `managers ${ms.join(',')}`;
  }
  if (managers.filter((n) => n.managerStatus?.leader === true).length !== 1) return 'no leader';
  const roles = nodes.map((n) => `${n.description.hostname}:${n.spec.role}`).sort();
  const want = NODES.map((n) => `${n}:${n.startsWith('m') ? 'manager' : 'worker'}`).sort();
  if (roles.join() !== want.join()) return `roles ${roles.join(',')}`;
  return '';
}

/** Waits (bounded) until `node ls` shows 5 READY nodes and 3 reachable managers with one leader. */
export async function waitClusterComplete(timeoutMs = 60_000): Promise<Node[]> {
  let why = '';
  try {
    return await waitFor(
      async () => {
        const nodes = await listNodes();
        why = incomplete(nodes);
        return why === '' ? nodes : undefined;
      },
      { timeoutMs, intervalMs: 500, message: '5 READY nodes and 3 reachable managers' },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (last: ${why})`);
  }
}

export interface ClusterState {
  names: NodeNames;
  leader: NodeName;
}

/**
 * The cluster every test file starts from: the 5 nodes running and healthy with no partition
 * rule left, m1 initialised (`--advertise-addr 172.30.77.11 --heartbeat-period 1s`), m2 and m3
 * joined as managers and w1, w2 as workers (tokens from `join-token -q`), then 5 READY nodes and
 * 3 reachable managers agreeing on a leader. Idempotent: only what is missing is done, so each
 * file calls it first, whatever order vitest runs them in. Nodes a failed test left stopped are
 * started again.
 */
export async function ensureCluster(): Promise<ClusterState> {
  await Promise.all(
    NODES.map(async (n) => {
      if (!(await state(n)).startsWith('running')) await start(n);
    }),
  );
  await Promise.all(NODES.map((n) => waitHealthy(n, 90_000)));
  await healAll();

  const states = Object.fromEntries(
    await Promise.all(NODES.map(async (n) => [n, (await info(n)).state] as const)),
  ) as Record<NodeName, Info['state']>;
  if (states.m1 === 'inactive') {
    const active = NODES.filter((n) => states[n] === 'active');
    if (active.length > 0) {
      throw new Error(`m1 is not initialised but ${active.join(', ')} are: recreate the cluster`);
    }
    const t0 = Date.now();
    await swarmlet(
      'm1',
      'init',
      '--advertise-addr',
      NODE_ADDRS.m1,
      '--heartbeat-period',
      `${HEARTBEAT_MS / 1000}s`,
    );
    console.log(`cluster: m1 initialised in ${Date.now() - t0} ms`);
  }
  const joining = NODES.filter((n) => states[n] === 'inactive' && n !== 'm1');
  if (joining.length > 0) {
    const t0 = Date.now();
    const token = async (role: 'worker' | 'manager'): Promise<string> =>
      (await swarmlet('m1', 'join-token', '-q', role)).trim();
    const join = async (n: NodeName, tok: string): Promise<void> => {
      await swarmlet(n, 'join', '--token', tok, '--advertise-addr', NODE_ADDRS[n], NODE_ADDRS.m1);
    };
    const [managerToken, workerToken] = [await token('manager'), await token('worker')];
    // Managers one at a time (one Raft membership change at a time); workers together.
    for (const m of MANAGERS) if (joining.includes(m)) await join(m, managerToken);
    await Promise.all(WORKERS.filter((w) => joining.includes(w)).map((w) => join(w, workerToken)));
    await waitClusterComplete();
    console.log(`cluster: ${joining.join(', ')} joined, all READY in ${Date.now() - t0} ms`);
  } else {
    await waitClusterComplete();
  }
  const leader = await waitLeader();
  return { names: await nodeNames(), leader };
}

/** `swarmlet service create -d --name NAME --replicas N IMAGE` through `via`; returns the id. */
export async function createService(
  via: NodeName,
  name: string,
  replicas: number,
  image: string,
): Promise<string> {
  const out = await swarmlet(
    via,
    'service',
    'create',
    '--detach',
    '--name',
    name,
    '--replicas',
    String(replicas),
    image,
  );
  return out.trim().split('\n')[0] ?? '';
}

/** Waits (bounded) until `service` has exactly `n` running tasks and returns them. */
export async function waitRunning(
  service: string,
  n: number,
  {
    timeoutMs = 60_000,
    intervalMs = 250,
    via = MANAGERS as NodeName | readonly NodeName[],
    where = (_t: Task): boolean => true,
  } = {},
): Promise<Task[]> {
  let last = -1;
  try {
    return await waitFor(
      async () => {
        const r = running(await listTasks(service, via));
        last = r.length;
        return r.length === n && r.every(where) ? r : undefined;
      },
      { timeoutMs, intervalMs, message: `${n} running tasks of ${service}` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (last: ${last} running)`);
  }
}

/** Ids of the containers of `service` running in `node`'s engine. */
export async function runningContainers(node: NodeName, service: string): Promise<string[]> {
  const out = await innerDocker(
    node,
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=io.swarmlet.service.name=${service}`,
  );
  return out.split('\n').filter((l) => l !== '');
}

/**
 * `service rm` (through any manager that answers), then waits (bounded) until no engine of a
 * running node runs one of its containers, so the next test starts from an empty cluster.
 */
export async function removeService(service: string, timeoutMs = 45_000): Promise<void> {
  await onAny(MANAGERS, async (n) => {
    const res = await trySwarmlet(n, ['service', 'rm', service]);
    if (res.code !== 0 && !/not found|no such/i.test(res.stderr)) throw new Error(res.stderr);
  });
  await waitFor(
    async () => {
      const counts = await Promise.all(
        NODES.map(async (n) =>
          (await state(n)).startsWith('running') ? (await runningContainers(n, service)).length : 0,
        ),
      );
      return counts.every((c) => c === 0);
    },
    { timeoutMs, intervalMs: 500, message: `containers of ${service} gone` },
  );
}

/**
 * Runs `swarmlet ARGS` in `node` with a timeout and measures how long it took (ms); the result
 * whatever the exit status (code -1 after the timeout).
 */
export async function timedSwarmlet(
  node: NodeName,
  args: readonly string[],
  timeoutMs: number,
): Promise<ExecResult & { ms: number }> {
  const t0 = Date.now();
  const res = await exec(node, ['swarmlet', ...args], { timeoutMs });
  return { ...res, ms: Date.now() - t0 };
}

// A poller run inside a manager by `node -e`: GET /v1/info on the daemon's unix socket (what
// `swarmlet info --format json` reads) every INTERVAL ms, without the CLI's 0.5 s start per call.
// Prints {"ready":true} after the first answer, then one line {"at":MS,"info":{...}} as soon as
// the reported leader is set and differs from OLD, or {"timeout":true} at DEADLINE (epoch ms).
const LEADER_WATCH_SCRIPT = `
const http = require('node:http');
const [sock, old, interval, deadline] = process.argv.slice(1);
let ready = false;
const next = () => {
  if (Date.now() > Number(deadline)) { console.log(JSON.stringify({ timeout: true })); process.exit(2); }
  setTimeout(poll, Number(interval));
};
function poll() {
  const req = http.get({ socketPath: sock, path: '/v1/info', timeout: 1000 }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => {
      const at = Date.now();
      try {
        const info = JSON.parse(body);
        if (!ready) { ready = true; console.log(JSON.stringify({ ready: true })); }
        if (info.leader && info.leader !== old) { console.log(JSON.stringify({ at, info })); process.exit(0); }
      } catch {}
      next();
    });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', next);
}
poll();
`;

export interface LeaderWatch {
  /** Resolves once the poller got its first answer (start the fault after this). */
  ready: Promise<void>;
  /** The first time (host epoch ms; one kernel clock) `node` reported a leader other than `old`. */
  result: Promise<{ at: number; info: Info }>;
}

/**
 * Polls `node`'s /v1/info every `intervalMs` (inside the node, over its unix socket) until it
 * reports a leader other than `oldLeaderId`; bounded by `timeoutMs`.
 */
export async function watchLeaderChange(
  node: NodeName,
  oldLeaderId: string,
  { intervalMs = 100, timeoutMs = 20_000 } = {},
): Promise<LeaderWatch> {
  const id = await containerId(node);
  const deadline = Date.now() + timeoutMs;
  const args = ['exec', id, 'node', '-e', LEADER_WATCH_SCRIPT, '/var/run/swarmlet.sock'];
  const child = spawn('docker', [...args, oldLeaderId, String(intervalMs), String(deadline)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never outlive the deadline, whatever happens inside the node.
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 10_000);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<{ at: number; info: Info }>((resolve, reject) => {
    let done = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { ready?: boolean; at?: number; info?: Info };
      if (msg.ready) onReady();
      else if (msg.at !== undefined && msg.info !== undefined) {
        done = true;
        resolve({ at: msg.at, info: msg.info });
      }
    });
    child.on('close', (code) => {
      clearTimeout(guard);
      onReady();
      if (!done) {
        reject(new Error(`${node}: no new leader within ${timeoutMs} ms (${code}) ${stderr}`));
      }
    });
  });
  result.catch(() => undefined); // handled by whoever awaits it
  return { ready, result };
}
