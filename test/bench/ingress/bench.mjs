// Ingress proxy benchmark: wrk (64 connections, 2 threads) fetching a 1 KiB file from 3 nginx
// backends, keep-alive and `Connection: close` (a new TCP connection per request), through
// swarmlet's IngressProxy and through HAProxy (mode tcp, balance roundrobin), each limited to half
// a core by a cgroup v1 CPU quota (cfs_quota_us 50000 / cfs_period_us 100000), and directly to one
// backend for reference. Prints requests/s, p99, proxy CPU per request and swarmlet/HAProxy ratios.
//
//   npx tsc -b packages/network && node test/bench/ingress/bench.mjs [--quick] [--rounds N]
//       [--duration S] [--naive] [--no-cap]
//
// --naive adds the "minimal Node net proxy" of ANCHORS.md (pipe both ways). --no-cap runs the
// proxies without the CPU quota. Bounded: every wrk run has a fixed duration and a kill deadline;
// every process is started here and stopped by its PID; the cgroup, configs and files are removed
// in `finally` (also on Ctrl-C). Needs root (cgroup), nginx, haproxy and wrk (apt).
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const quick = args.includes('--quick');
const ROUNDS = opt('--rounds', quick ? 1 : 3);
const DURATION_S = opt('--duration', quick ? 5 : 10);
const WARMUP_S = 2;
const CONNECTIONS = 64;
const CAP = !args.includes('--no-cap');
const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100; // Linux USER_HZ, the unit of utime/stime in /proc/PID/stat

const started = new Set(); // child processes still running, stopped by PID in cleanup
let tmp;
let cgroupDir;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child) {
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

function start(cmd, argv) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  child.exited = new Promise((resolve) => child.on('exit', resolve));
  started.add(child);
  return child;
}

async function stop(child) {
  if (child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, 'SIGTERM');
    const t = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
    await child.exited;
    clearTimeout(t);
  }
  started.delete(child);
}

function createCgroup() {
  const dir = `/sys/fs/cgroup/cpu/swarmlet-bench-ingress-${process.pid}`;
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'cpu.cfs_period_us'), '100000');
  writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), '50000');
  return dir;
}

async function removeCgroup(dir) {
  for (let i = 0; i < 50 && existsSync(dir); i++) {
    try {
      rmdirSync(dir);
    } catch {
      await sleep(100); // busy until the last task has exited
    }
  }
}

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
}

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

function wrk(port, close, seconds) {
  const argv = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency'];
  if (close) argv.push('-H', 'Connection: close');
  argv.push(`http://127.0.0.1:${port}/1k.bin`);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    started.add(child);
    let out = '';
    const killer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), (seconds + 15) * 1000);
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      clearTimeout(killer);
      started.delete(child);
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`));
      const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
      const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const errors = (errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx;
      resolve({ rate, p99, errors });
    });
  });
}

function nginxConfig(dir, ports) {
  const servers = ports
    .map((p) => `  server { listen 127.0.0.1:${p} backlog=4096; root ${dir}/www; }`)
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

function haproxyConfig(port, backendPorts) {
  const servers = backendPorts.map((p, i) => `  server b${i} 127.0.0.1:${p}`).join('\n');
  return `global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 3s
  timeout client 60s
  timeout server 60s
frontend ingress
  bind 127.0.0.1:${port}
  default_backend tasks
backend tasks
  balance roundrobin
${servers}
`;
}

/** The proxies under test: each returns the argv that starts it listening on `port`. */
function proxies(backendPorts) {
  const node = (script) => (port) => [
    process.execPath,
    [path.join(here, script), port, ...backendPorts],
  ];
  const list = {
    swarmlet: node('swarmlet-proxy.mjs'),
    haproxy: (port) => {
      const cfg = path.join(tmp, `haproxy-${port}.cfg`);
      writeFileSync(cfg, haproxyConfig(port, backendPorts));
      return ['haproxy', ['-q', '-db', '-f', cfg]];
    },
  };
  if (args.includes('--naive')) list.naive = node('naive-proxy.mjs');
  return list;
}

async function runProxy(name, argvOf, close) {
  const port = await freePort();
  const [cmd, argv] = argvOf(port);
  const child = start(cmd, argv.map(String));
  try {
    await waitForPort(port, child);
    if (CAP) writeFileSync(path.join(cgroupDir, 'cgroup.procs'), String(child.pid));
    await wrk(port, close, WARMUP_S);
    const cpu0 = cpuSeconds(child.pid);
    const r = await wrk(port, close, DURATION_S);
    const cpu = cpuSeconds(child.pid) - cpu0;
    return { ...r, cpuUsPerReq: (cpu * 1e6) / (r.rate * DURATION_S), cpuShare: cpu / DURATION_S };
  } finally {
    await stop(child);
  }
}

function line(mode, round, name, r) {
  const cpu =
    r.cpuUsPerReq === undefined
      ? ''
      : `, proxy CPU ${r.cpuUsPerReq.toFixed(1)} us/req (${(r.cpuShare * 100).toFixed(0)}% of a core)`;
  console.log(
    `  ${mode} round ${round + 1} ${name.padEnd(8)} ${r.rate.toFixed(0).padStart(6)} req/s, p99 ${r.p99.toFixed(2)} ms${cpu}, errors ${r.errors}`,
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  tmp = mkdtempSync(path.join(tmpdir(), 'ingress-bench-'));
  chmodSync(tmp, 0o755); // nginx workers run as nobody
  mkdirSync(path.join(tmp, 'www'));
  writeFileSync(path.join(tmp, 'www', '1k.bin'), Buffer.alloc(1024, 0x61));
  const backendPorts = [await freePort(), await freePort(), await freePort()];
  writeFileSync(path.join(tmp, 'nginx.conf'), nginxConfig(tmp, backendPorts));
  const nginx = start('nginx', [
    '-p',
    tmp,
    '-c',
    path.join(tmp, 'nginx.conf'),
    '-g',
    'daemon off;',
  ]);
  for (const p of backendPorts) await waitForPort(p, nginx);
  if (CAP) cgroupDir = createCgroup();
  console.log(
    `wrk -t2 -c${CONNECTIONS} -d${DURATION_S}s (after ${WARMUP_S} s warm-up), 1 KiB from 3 nginx backends; ` +
      `proxies ${CAP ? 'capped at half a core (cgroup v1 cpu quota 50000/100000 us)' : 'uncapped'}; ${ROUNDS} rounds, alternating`,
  );
  const targets = proxies(backendPorts);
  const results = {};
  for (const [mode, close] of [
    ['keep-alive', false],
    ['close', true],
  ]) {
    results[mode] = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, argvOf] of Object.entries(targets)) {
        const r = await runProxy(name, argvOf, close);
        (results[mode][name] ??= []).push(r);
        line(mode, round, name, r);
      }
      const direct = await wrk(backendPorts[0], close, DURATION_S);
      (results[mode].direct ??= []).push(direct);
      line(mode, round, 'direct', direct);
    }
  }
  summary(results, Object.keys(targets));
}

function summary(results, names) {
  console.log(
    '\n| mode | target | req/s best (median) | p99 ms (of best) | proxy CPU us/req | vs HAProxy best (median) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const [mode, byName] of Object.entries(results)) {
    const hBest = Math.max(...byName.haproxy.map((r) => r.rate));
    const hMed = median(byName.haproxy.map((r) => r.rate));
    for (const name of [...names, 'direct']) {
      const runs = byName[name];
      const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
      const med = median(runs.map((r) => r.rate));
      const cpu = best.cpuUsPerReq === undefined ? '-' : best.cpuUsPerReq.toFixed(1);
      const ratio =
        name === 'direct'
          ? '-'
          : `${(best.rate / hBest).toFixed(2)}x (${(med / hMed).toFixed(2)}x)`;
      console.log(
        `| ${mode} | ${name} | ${best.rate.toFixed(0)} (${med.toFixed(0)}) | ${best.p99.toFixed(2)} | ${cpu} | ${ratio} |`,
      );
    }
  }
}

async function cleanup() {
  for (const child of [...started]) await stop(child);
  if (cgroupDir) await removeCgroup(cgroupDir);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
try {
  await main();
} finally {
  await cleanup();
}
process.exit(0);
