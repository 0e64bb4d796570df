import { execFile } from 'node:child_process';

/**
 * Drives the 5-node test cluster of docker-compose.test.yml (brought up by
 * scripts/cluster-test.sh) through the host's `docker` CLI. Every command is an argv array for
 * execFile: no shell string is ever built from input. Each call is bounded by a timeout.
 */

/** The compose project the runner uses (`-p`); containers are found by its labels. */
export const PROJECT = process.env['SWARMLET_CLUSTER_PROJECT'] ?? 'swarmlet-test';

export const MANAGERS = ['m1', 'm2', 'm3'] as const;
export const WORKERS = ['w1', 'w2'] as const;
export const NODES = [...MANAGERS, ...WORKERS] as const;
export type NodeName = (typeof NODES)[number];

/** Each node's static address on the compose network 172.30.77.0/24. */
export const NODE_ADDRS: Readonly<Record<NodeName, string>> = {
  m1: '172.30.77.11',
  m2: '172.30.77.12',
  m3: '172.30.77.13',
  w1: '172.30.77.21',
  w2: '172.30.77.22',
};

/** Each node's inner docker0 subnet (`--bip`): containers of different nodes never overlap. */
export const NODE_BRIDGES: Readonly<Record<NodeName, string>> = {
  m1: '192.168.211.0/24',
  m2: '192.168.212.0/24',
  m3: '192.168.213.0/24',
  w1: '192.168.221.0/24',
  w2: '192.168.222.0/24',
};

/** The test images every node's engine has loaded at start. */
export const TEST_IMAGE = 'swarmlet/busybox:latest';
export const DEMO_IMAGE = 'swarmlet/demo-web:latest';

export interface ExecResult {
  /** Exit status; -1 when the command was killed (timeout) or could not start. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Written to the command's stdin (then closed); `docker exec -i` when set. */
  input?: string;
  /** Default 60 s; the docker CLI is killed after it. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs the host's `docker` with `args`; resolves with the result whatever the exit status. */
export function docker(args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = execFile(
      'docker',
      args,
      { timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err === null) return resolve({ code: 0, stdout, stderr });
        const code = typeof err.code === 'number' && !err.killed ? err.code : -1;
        const why = err.killed ? `\n(killed after ${timeout} ms)` : '';
        resolve({ code, stdout, stderr: `${stderr}${code === -1 ? why || err.message : ''}` });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like `docker`, but throws with the command and its stderr on a non-zero exit. */
export async function dockerOk(args: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const res = await docker(args, opts);
  if (res.code !== 0) throw commandError(['docker', ...args], res);
  return res.stdout;
}

function commandError(argv: readonly string[], res: ExecResult): Error {
  const stderr = res.stderr.trim() || res.stdout.trim();
  return new Error(`\`${argv.join(' ')}\` exited with ${res.code}: ${stderr}`);
}

const ids = new Map<NodeName, string>();

/** The container id of `node` in the project (any state); cached, as kill/start keep it. */
export async function containerId(node: NodeName): Promise<string> {
  const cached = ids.get(node);
  if (cached !== undefined) return cached;
  const out = await dockerOk([
    'ps',
    '-aq',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--filter',
    `label=com.docker.compose.service=${node}`,
  ]);
  const found = out.split('\n').filter((l) => l !== '');
  if (found.length !== 1) {
    throw new Error(
      `expected one container for ${node} in project ${PROJECT}, found ${found.length}: is the cluster up (scripts/cluster-test.sh, KEEP_CLUSTER=1)?`,
    );
  }
  ids.set(node, found[0]!);
  return found[0]!;
}

/** `docker exec` of `argv` in `node`; resolves with the result whatever the exit status. */
export async function exec(
  node: NodeName,
  argv: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  const id = await containerId(node);
  const flags = opts.input === undefined ? [] : ['-i'];
  return docker(['exec', ...flags, id, ...argv], opts);
}

/** `exec`, throwing with stderr on a non-zero exit; resolves with stdout. */
export async function execOk(
  node: NodeName,
  argv: readonly string[],
  opts: ExecOptions = {},
): Promise<string> {
  const res = await exec(node, argv, opts);
  if (res.code !== 0) throw commandError([`[${node}]`, ...argv], res);
  return res.stdout;
}

/** The `swarmlet` CLI inside `node` (its local daemon's socket); throws on a non-zero exit. */
export function swarmlet(node: NodeName, ...args: string[]): Promise<string> {
  return execOk(node, ['swarmlet', ...args]);
}

/** The `swarmlet` CLI inside `node`, resolving with the result whatever the exit status. */
export function trySwarmlet(
  node: NodeName,
  args: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  return exec(node, ['swarmlet', ...args], opts);
}

/** `docker ARGS` against `node`'s inner engine; throws on a non-zero exit, resolves with stdout. */
export function innerDocker(node: NodeName, ...args: string[]): Promise<string> {
  return execOk(node, ['docker', ...args]);
}

/** SIGKILL of the whole node (its engine, swarmletd and inner containers); it stays stopped. */
export async function kill(node: NodeName): Promise<void> {
  await dockerOk(['kill', await containerId(node)]);
}

/** Starts a stopped node (the same container and volumes); pair with `waitHealthy`. */
export async function start(node: NodeName): Promise<void> {
  await dockerOk(['start', await containerId(node)]);
}

/** `docker restart` (SIGTERM: the entrypoint stops swarmletd, then dockerd); pair with `waitHealthy`. */
export async function restart(node: NodeName): Promise<void> {
  await dockerOk(['restart', '-t', '20', await containerId(node)], { timeoutMs: 90_000 });
}

/** `docker stop`: the node shuts down cleanly and stays stopped. */
export async function stop(node: NodeName): Promise<void> {
  await dockerOk(['stop', '-t', '20', await containerId(node)], { timeoutMs: 90_000 });
}

/** The container's state and health, e.g. `running healthy`, `exited`. */
export async function state(node: NodeName): Promise<string> {
  const out = await dockerOk([
    'inspect',
    '-f',
    '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}',
    await containerId(node),
  ]);
  return out.trim();
}

/**
 * Polls until `node` is running and healthy (deploy/healthcheck.sh: inner engine and swarmletd
 * answer). Fails at once when it stops, with the tail of its log; bounded by `timeoutMs`.
 */
export async function waitHealthy(node: NodeName, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = await state(node);
    if (last === 'running healthy') return;
    if (!last.startsWith('running') || last.endsWith('unhealthy') || Date.now() > deadline) {
      const why = last.startsWith('running') ? `still "${last}" after ${timeoutMs} ms` : last;
      throw new Error(`${node} is not healthy (${why}); its log ends:\n${await logs(node, 30)}`);
    }
    await sleep(250);
  }
}

/** The last `lines` lines of `node`'s container log (entrypoint and swarmletd). */
export async function logs(node: NodeName, lines = 100): Promise<string> {
  const res = await docker(['logs', '--tail', String(lines), await containerId(node)]);
  return `${res.stdout}${res.stderr}`;
}

/** The chain partition() fills; jumped to first from INPUT, OUTPUT and FORWARD. */
const PARTITION_CHAIN = 'SWARMLET-PARTITION';

// Fixed scripts; addresses arrive as positional parameters ("$@"), never spliced into the text.
const PARTITION_SCRIPT = `set -e
iptables -w -N ${PARTITION_CHAIN} 2>/dev/null || true
for c in INPUT OUTPUT FORWARD; do
  iptables -w -C "$c" -j ${PARTITION_CHAIN} 2>/dev/null || iptables -w -I "$c" 1 -j ${PARTITION_CHAIN}
done
for ip in "$@"; do
  iptables -w -C ${PARTITION_CHAIN} -s "$ip" -j DROP 2>/dev/null || iptables -w -A ${PARTITION_CHAIN} -s "$ip" -j DROP
  iptables -w -C ${PARTITION_CHAIN} -d "$ip" -j DROP 2>/dev/null || iptables -w -A ${PARTITION_CHAIN} -d "$ip" -j DROP
done`;
const HEAL_SCRIPT = `iptables -w -F ${PARTITION_CHAIN} 2>/dev/null || true`;

/**
 * Cuts `node` off from `others`, both ways: DROP rules inside `node` for traffic from and to their
 * addresses (its own and its containers'). Rules inside the node rather than `docker network
 * disconnect`, which drops the node's routes. Adds to an existing partition; `heal` ends it.
 */
export async function partition(node: NodeName, others: readonly NodeName[]): Promise<void> {
  const addrs = others.map((o) => NODE_ADDRS[o]);
  await execOk(node, ['sh', '-c', PARTITION_SCRIPT, 'partition', ...addrs]);
}

/** Removes every partition rule of `node`. */
export async function heal(node: NodeName): Promise<void> {
  await execOk(node, ['sh', '-c', HEAL_SCRIPT]);
}

/** Heals every running node; for afterEach/afterAll, so that a failed test leaves no rule behind. */
export async function healAll(): Promise<void> {
  await Promise.all(
    NODES.map(async (n) => {
      if ((await state(n)).startsWith('running')) await heal(n);
    }),
  );
}

/**
 * Polls `fn` until it resolves truthy; bounded by `timeoutMs` (default 30 s), every `intervalMs`
 * (default 250 ms). Rejects with `message` and the last error or value.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 250, message = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}: ${String(last)}`);
    }
    await sleep(intervalMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
