// Shared helpers of the ingress and VIP benchmarks (test/bench/ingress, test/bench/vip): network
// namespaces, processes started and stopped by PID, a cgroup v1 CPU cap, nginx and HAProxy
// configs, wrk runs and CPU counters. Everything created here is recorded and removed by
// `cleanup()` (call it in `finally` and on SIGINT/SIGTERM): processes by PID, then namespaces
// (their interfaces, addresses and iptables rules go with them), the cgroup and the temp dir.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const CLK_TCK = 100; // Linux USER_HZ, the unit of /proc/PID/stat and /proc/stat
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const started = new Set(); // child processes still running, stopped by PID in cleanup
const namespaces = []; // network namespaces created here, deleted in cleanup
const cgroups = [];
const dirs = [];

/** Runs a short command synchronously (ip, iptables, sysctl); throws with its stderr on failure. */
export function sh(cmd, ...argv) {
  try {
    return execFileSync(cmd, argv, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
  } catch (e) {
    throw new Error(`${cmd} ${argv.join(' ')}: ${e.stderr || e.message}`);
  }
}

/** `ip netns exec NS CMD...` prefix (ip execs the command: the PID stays the command's). */
export const inNs = (ns, cmd, argv) =>
  ns ? ['ip', ['netns', 'exec', ns, cmd, ...argv]] : [cmd, argv];

export function addNamespace(name) {
  sh('ip', 'netns', 'add', name);
  namespaces.push(name);
  sh('ip', '-n', name, 'link', 'set', 'lo', 'up');
  return name;
}

/** A veth pair with one end in each namespace, both up, addresses as `a.b.c.d/len` (or none). */
export function veth(nsA, ifA, addrA, nsB, ifB, addrB) {
  sh('ip', '-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB);
  for (const [ns, dev, addr] of [
    [nsA, ifA, addrA],
    [nsB, ifB, addrB],
  ]) {
    for (const a of [addr].flat().filter(Boolean)) sh('ip', '-n', ns, 'addr', 'add', a, 'dev', dev);
    sh('ip', '-n', ns, 'link', 'set', dev, 'up');
  }
}

export function nsSysctl(ns, key, value) {
  sh('ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', `${key}=${value}`);
}

/** iptables in a namespace; `args` as for iptables. */
export function iptables(ns, ...args) {
  return sh('ip', 'netns', 'exec', ns, 'iptables', '-w', ...args);
}

export function start(cmd, argv, { ns, stdout = 'ignore' } = {}) {
  const [c, a] = inNs(ns, cmd, argv.map(String));
  const child = spawn(c, a, { stdio: ['ignore', stdout, 'inherit'] });
  child.exited = new Promise((resolve) => child.on('exit', resolve));
  started.add(child);
  return child;
}

export async function stop(child) {
  if (child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, 'SIGTERM');
    const t = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
    await child.exited;
    clearTimeout(t);
  }
  started.delete(child);
}

/**
 * Waits until the process's network namespace has a TCP socket listening on `port` (read from
 * /proc/PID/net/tcp, which shows the sockets of the namespace the process is in: no connection
 * needed, so it works for namespaces this process cannot reach).
 */
export async function waitListening(child, port) {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited ${child.exitCode}`);
    let table = '';
    try {
      table = readFileSync(`/proc/${child.pid}/net/tcp`, 'utf8');
    } catch {
      // not yet in its namespace, or exiting: check again
    }
    if (
      table.split('\n').some((l) => {
        const f = l.trim().split(/\s+/);
        return f[1]?.endsWith(`:${hex}`) && f[3] === '0A';
      })
    )
      return;
    await sleep(50);
  }
  throw new Error(`port ${port} not listening after 10 s`);
}

/** Loopback variant (the old layout): waits until 127.0.0.1:port accepts. */
export async function waitForPort(port, child) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} not listening after 10 s`);
}

export function createCgroup(name) {
  const dir = `/sys/fs/cgroup/cpu/${name}-${process.pid}`;
  mkdirSync(dir);
  cgroups.push(dir);
  writeFileSync(path.join(dir, 'cpu.cfs_period_us'), '100000');
  writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), '50000');
  return dir;
}

export function tempDir(dir) {
  dirs.push(dir);
  return dir;
}

/** utime + stime of a process (all its threads), seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Machine-wide CPU counters (the `cpu` line of /proc/stat), seconds summed over all CPUs. */
export function procStat() {
  const f = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  return { user: user + nice, system, irq, softirq, steal, idle: idle + iowait };
}

/** Difference of two procStat() samples, with `busy` = everything but idle and steal. */
export function statDelta(a, b) {
  const d = {};
  for (const k of Object.keys(a)) d[k] = (b[k] - a[k]) / CLK_TCK;
  d.busy = d.user + d.system + d.irq + d.softirq;
  return d;
}

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

/** wrk -t2 -cN against `url`, optionally in a namespace, with a kill deadline. */
export function wrk(url, { close, seconds, connections = 64, ns }) {
  const argv = ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency'];
  if (close) argv.push('-H', 'Connection: close');
  argv.push(url);
  const [cmd, a] = inNs(ns, 'wrk', argv);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, a, { stdio: ['ignore', 'pipe', 'inherit'] });
    started.add(child);
    let out = '';
    const killer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), (seconds + 15) * 1000);
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      clearTimeout(killer);
      started.delete(child);
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`));
      const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
      const avg = toMs(/Latency\s+(\S+)/.exec(out)?.[1] ?? '');
      const max = toMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? '');
      const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
      const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const errors = (errs ? errs.slice(1).reduce((x, y) => x + Number(y), 0) : 0) + non2xx;
      resolve({ rate, requests, avg, p99, max, errors });
    });
  });
}

/** One nginx (2 workers) serving `dir`/www on every `host:port` of `listens`. */
export function nginxConfig(dir, listens) {
  const servers = listens
    .map((l) => `  server { listen ${l} backlog=4096; root ${dir}/www; }`)
    .join('\n');
  return `worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
${servers}
}
`;
}

/** HAProxy, mode tcp, round robin, one thread (better than 2 at half a core: see README). */
export function haproxyConfig(bind, backends) {
  const servers = backends.map((b, i) => `  server b${i} ${b}`).join('\n');
  return `global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 3s
  timeout client 60s
  timeout server 60s
frontend ingress
  bind ${bind}
  default_backend tasks
backend tasks
  balance roundrobin
${servers}
`;
}

/** Starts the capped proxy `[cmd, argv]` (in `ns`), waits for `port`, moves it into `cgroup`. */
export async function startProxy([cmd, argv], port, { ns, cgroup, loopback }) {
  const child = start(cmd, argv, { ns });
  try {
    if (loopback) await waitForPort(port, child);
    else await waitListening(child, port);
    if (cgroup) writeFileSync(path.join(cgroup, 'cgroup.procs'), String(child.pid));
  } catch (e) {
    await stop(child);
    throw e;
  }
  return child;
}

let quietBudgetMs = 120_000; // whole script: at most this long waiting for other work to pass
/**
 * The machine may be shared: samples 1 s of /proc/stat (our processes idle) and, while more than
 * a quarter of a core is busy, waits and samples again, for at most 20 s per run and
 * `quietBudgetMs` in all. Returns the cores busy in the last sample ("background").
 */
export async function waitQuiet() {
  const deadline = Date.now() + Math.min(20_000, quietBudgetMs);
  const t0 = Date.now();
  let bg;
  do {
    const b0 = procStat();
    await sleep(1000);
    bg = statDelta(b0, procStat()).busy;
  } while (bg > 0.25 && Date.now() < deadline);
  quietBudgetMs -= Math.max(0, Date.now() - t0 - 1000);
  return bg;
}

/**
 * Measures one wrk run with the machine's /proc/stat and, if given, the proxy's CPU around it.
 * Adds machine CPU per request (all CPUs: wrk, nginx, proxy, softirq, and whatever else runs).
 */
export async function measure(url, { close, seconds, ns, proxy }) {
  const bg = await waitQuiet();
  const cpu0 = proxy ? cpuSeconds(proxy.pid) : 0;
  const s0 = procStat();
  const r = await wrk(url, { close, seconds, ns });
  const d = statDelta(s0, procStat());
  const out = {
    ...r,
    machineUsPerReq: (d.busy * 1e6) / r.requests,
    softirqUsPerReq: (d.softirq * 1e6) / r.requests,
    sysUsPerReq: (d.system * 1e6) / r.requests,
    machineBusy: d.busy / seconds, // cores
    background: bg, // cores busy just before (other work)
  };
  if (proxy) {
    const cpu = cpuSeconds(proxy.pid) - cpu0;
    out.cpuUsPerReq = (cpu * 1e6) / r.requests;
    out.cpuShare = cpu / seconds;
  }
  return out;
}

export async function cleanup() {
  for (const child of [...started]) {
    try {
      await stop(child);
    } catch {
      // already gone
    }
  }
  for (const ns of namespaces.splice(0)) {
    try {
      sh('ip', 'netns', 'del', ns);
    } catch (e) {
      console.error(`could not delete namespace ${ns}: ${e.message}`);
    }
  }
  for (const dir of cgroups.splice(0)) {
    for (let i = 0; i < 50 && existsSync(dir); i++) {
      try {
        rmdirSync(dir);
      } catch {
        await sleep(100); // busy until the last task has exited
      }
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs `main` with cleanup in `finally` and on SIGINT/SIGTERM; exits the process. */
export async function runMain(main) {
  let cleaning;
  const onSignal = (sig) => {
    console.error(`\n${sig}: cleaning up`);
    cleaning ??= cleanup();
    void cleaning.then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code = 0;
  try {
    await main();
  } catch (e) {
    console.error(e);
    code = 1;
  } finally {
    cleaning ??= cleanup();
    await cleaning;
  }
  process.exit(code);
}

/**
 * Per-backend counters in the backends' namespace: TCP SYNs received (connections) and bytes
 * sent, one filter rule per address and direction (the chains' policy is ACCEPT anyway).
 */
export function addBackendCounters(ns, addrs, port) {
  for (const a of addrs) {
    iptables(
      ns,
      '-A',
      'INPUT',
      '-d',
      a,
      '-p',
      'tcp',
      '--dport',
      String(port),
      '--syn',
      '-j',
      'ACCEPT',
    );
    iptables(ns, '-A', 'OUTPUT', '-s', a, '-p', 'tcp', '--sport', String(port), '-j', 'ACCEPT');
  }
}

export function zeroBackendCounters(ns) {
  iptables(ns, '-Z', 'INPUT');
  iptables(ns, '-Z', 'OUTPUT');
}

/** { addr: { syns, bytes } } since the last zeroBackendCounters. */
export function readBackendCounters(ns, addrs) {
  const out = Object.fromEntries(addrs.map((a) => [a, { syns: 0, bytes: 0 }]));
  for (const [chain, key, col] of [
    ['INPUT', 'syns', 8],
    ['OUTPUT', 'bytes', 7],
  ]) {
    for (const l of iptables(ns, '-nvxL', chain).split('\n').slice(2)) {
      const f = l.trim().split(/\s+/);
      const addr = f[col];
      if (out[addr]) out[addr][key] = Number(key === 'syns' ? f[0] : f[1]);
    }
  }
  return out;
}

/** "33.3/33.3/33.4% conns (max/min 1.00), 33.2/33.4/33.4% bytes" */
export function evenness(counts) {
  const v = Object.values(counts);
  const part = (key) => {
    const xs = v.map((c) => c[key]);
    const sum = xs.reduce((a, b) => a + b, 0);
    const shares = xs.map((x) => ((100 * x) / (sum || 1)).toFixed(1)).join('/');
    return { shares, spread: Math.max(...xs) / Math.max(1, Math.min(...xs)), sum, xs };
  };
  const c = part('syns');
  const b = part('bytes');
  return {
    conns: c.xs,
    text: `conns ${c.xs.join('/')} = ${c.shares}% (max/min ${c.spread.toFixed(3)}), bytes ${b.shares}% (max/min ${b.spread.toFixed(3)})`,
  };
}

/**
 * The run-length flags both benches take: `--quick` (1 round of 5 s), `--rounds N`,
 * `--duration S`, `--no-cap`; `args` for the bench's own flags.
 */
export function benchArgs(argv = process.argv.slice(2)) {
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
  };
  const quick = argv.includes('--quick');
  return {
    args: argv,
    rounds: opt('--rounds', quick ? 1 : 3),
    durationS: opt('--duration', quick ? 5 : 10),
    cap: !argv.includes('--no-cap'),
  };
}
