// DNS benchmark: swarmlet's DnsServer versus dnsmasq, both on 127.0.0.1, both limited to half a
// core, serving the same records (records.mjs), loaded by dnsperf on the same host with the same
// query file. Per round and server: the throughput (dnsperf as fast as it goes, -l seconds), the
// server's CPU time per query, and the latency at a fixed 2,000 qps (p50/p99 from dnsperf -v).
// Rounds alternate the servers; prints the medians and the swarmlet/dnsmasq ratios.
// A script that prints figures, not a test.
//
//   npx tsc -b packages/network && node test/bench/dns/bench.mjs [--rounds 5] [--seconds 10]
//
// Needs root (a cgroup), dnsperf and dnsmasq (apt-get install dnsperf dnsmasq-base).
// Half a core: a cpu cgroup with quota 50 ms per 100 ms period (cgroup v1 cpu.cfs_quota_us, or
// v2 cpu.max), made for the run and removed after; the server is pinned to CPU 1 and dnsperf to
// CPU 0 (taskset) when there are two. Bounded: every dnsperf run has -l, -n and a kill timeout;
// the servers are started by this script and stopped by PID.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostsFile, queryFile, QUERIES_PER_PASS } from './records.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 5);
const SECONDS = arg('seconds', 10);
const LATENCY_QPS = 2000;
const LATENCY_SECONDS = 5;
const PORTS = { dnsmasq: 25353, swarmlet: 25354 };
const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const twoCpus = cpus().length >= 2;
const pin = (cpu, cmd) => (twoCpus ? ['taskset', '-c', String(cpu), ...cmd] : cmd);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function need(cmd) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`${cmd} not found: apt-get install dnsperf dnsmasq-base`);
    process.exit(2);
  }
}

/** A cpu cgroup limited to half a core; a process joins it by writing its PID to `procs`. */
function makeCgroup() {
  const name = `swarmlet-dnsbench-${process.pid}`;
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) {
    const dir = `/sys/fs/cgroup/cpu/${name}`;
    mkdirSync(dir);
    writeFileSync(`${dir}/cpu.cfs_period_us`, '100000');
    writeFileSync(`${dir}/cpu.cfs_quota_us`, '50000');
    return { dir, procs: `${dir}/cgroup.procs`, how: 'cgroup v1 cpu.cfs_quota_us 50000/100000' };
  }
  const ctl = '/sys/fs/cgroup/cgroup.controllers';
  if (existsSync(ctl) && readFileSync(ctl, 'utf8').split(/\s+/).includes('cpu')) {
    writeFileSync('/sys/fs/cgroup/cgroup.subtree_control', '+cpu');
    const dir = `/sys/fs/cgroup/${name}`;
    mkdirSync(dir);
    writeFileSync(`${dir}/cpu.max`, '50000 100000');
    return { dir, procs: `${dir}/cgroup.procs`, how: 'cgroup v2 cpu.max 50000 100000' };
  }
  throw new Error('no cpu cgroup controller (v1 or v2) to cap the servers at half a core');
}

/**
 * Starts `cmd` in the cgroup, pinned to CPU 1: sh writes its PID into the cgroup and execs
 * taskset, which execs the server, so the child's PID is the server's. Resolves once it answers.
 */
async function startServer(cg, cmd, port, qfile) {
  const script = `echo $$ > ${cg.procs} && exec "$@"`;
  const child = spawn('sh', ['-c', script, 'sh', ...pin(1, cmd)], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) throw new Error(`${cmd[0]} exited with ${child.exitCode}`);
    if (answers(port, qfile)) return child;
    await sleep(100);
  }
  await stopServer(child);
  throw new Error(`${cmd[0]} did not answer within 5 s`);
}

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

/** Runs dnsperf (bounded by -l and a kill timeout) and returns its output. */
function dnsperf(port, qfile, seconds, extra) {
  const args = ['-s', '127.0.0.1', '-p', `${port}`, '-d', qfile, '-l', `${seconds}`, ...extra];
  const [cmd, ...pre] = pin(0, ['dnsperf', ...args]);
  const r = spawnSync(cmd, pre, {
    encoding: 'utf8',
    timeout: (seconds + 10) * 1000,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`dnsperf failed: ${r.stderr || r.error}`);
  return r.stdout;
}

/** Every query of the file answered once (-n 1). */
function answers(port, qfile) {
  try {
    return /Queries completed:\s+\d+ \(100\.00%\)/.test(dnsperf(port, qfile, 5, ['-n', '1']));
  } catch {
    return false;
  }
}

/** utime + stime of a process (fields 14 and 15 of /proc/PID/stat), in ticks of 10 ms. */
function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Busy ticks of CPU `n` (every process), from /proc/stat. */
function cpuBusy(n) {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${n} `));
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return f.reduce((a, b) => a + b, 0) - f[3] - f[4]; // minus idle and iowait
}

function measure(name, pid, port, qfile) {
  const t0 = cpuTicks(pid);
  const busy0 = cpuBusy(1);
  // -q 100 outstanding: what the socket buffer holds while the server sits out a throttled
  // 50 ms (with 200, queries are lost); -t 1: a lost query holds its slot 1 s, not 5.
  const passes = Math.ceil((SECONDS * 200_000) / QUERIES_PER_PASS); // at most 200,000 qps
  const out = dnsperf(port, qfile, SECONDS, ['-q', '100', '-t', '1', '-n', `${passes}`]);
  const t1 = cpuTicks(pid);
  const others = (cpuBusy(1) - busy0 - (t1 - t0)) / (SECONDS * 100);
  const done = Number(/Queries completed:\s+(\d+)/.exec(out)[1]);
  const lat = dnsperf(port, qfile, LATENCY_SECONDS, ['-Q', `${LATENCY_QPS}`, '-v']);
  const ms = [...lat.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1]) * 1000);
  ms.sort((a, b) => a - b);
  const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? NaN;
  const row = {
    qps: Number(/Queries per second:\s+([\d.]+)/.exec(out)[1]),
    usPerQuery: ((t1 - t0) * 10_000) / done,
    p50: pct(50),
    p99: pct(99),
  };
  const lost = /Queries lost:\s+(\d+)/.exec(out)[1];
  const codes = /Response codes:\s+(.*)/.exec(out)?.[1] ?? '?';
  console.log(
    `  ${name.padEnd(9)} ${row.qps.toFixed(0).padStart(6)} qps, lost ${lost}, ` +
      `${row.usPerQuery.toFixed(2)} us CPU/query, CPU 1 busy with others ${(100 * others).toFixed(0)}%` +
      ` | ${LATENCY_QPS} qps: p50 ${row.p50.toFixed(3)} ms, p99 ${row.p99.toFixed(3)} ms | ${codes}`,
  );
  return row;
}

async function main() {
  need('dnsperf');
  need('dnsmasq');
  if (!existsSync(path.join(here, '../../../packages/network/dist/index.js'))) {
    console.error('build first: npx tsc -b packages/network');
    process.exit(2);
  }
  const tmp = mkdtempSync(path.join(tmpdir(), 'swarmlet-dnsbench-'));
  const hosts = path.join(tmp, 'hosts');
  const qfile = path.join(tmp, 'queries');
  writeFileSync(hosts, hostsFile());
  writeFileSync(qfile, queryFile());
  const dnsmasq = ['dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv'];
  dnsmasq.push('--no-hosts', `--addn-hosts=${hosts}`, `--port=${PORTS.dnsmasq}`);
  dnsmasq.push('--bind-interfaces', '--listen-address=127.0.0.1', '--user=root', '--pid-file=');
  dnsmasq.push('--log-facility=/dev/null');
  const servers = {
    dnsmasq,
    swarmlet: [process.execPath, path.join(here, 'serve.mjs'), `${PORTS.swarmlet}`],
  };
  const version = spawnSync('dnsmasq', ['--version'], { encoding: 'utf8' }).stdout.split(' ');
  const cg = makeCgroup();
  console.log(
    `DNS benchmark: ${cg.how}; ${twoCpus ? 'server on CPU 1, dnsperf on CPU 0' : 'one CPU'}; ` +
      `${ROUNDS} rounds of ${SECONDS} s; node ${process.version}, dnsmasq ${version[2]}`,
  );
  const results = { dnsmasq: [], swarmlet: [] };
  let child;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      for (const name of round % 2 === 1 ? ['dnsmasq', 'swarmlet'] : ['swarmlet', 'dnsmasq']) {
        child = await startServer(cg, servers[name], PORTS[name], qfile);
        await sleep(300);
        results[name].push(measure(name, child.pid, PORTS[name], qfile));
        await stopServer(child);
        child = undefined;
      }
    }
  } finally {
    if (child !== undefined) await stopServer(child);
    rmdirSync(cg.dir);
    rmSync(tmp, { recursive: true, force: true });
  }
  const med = (name, key) => median(results[name].map((x) => x[key]));
  console.log('medians');
  for (const name of ['dnsmasq', 'swarmlet']) {
    console.log(
      `  ${name.padEnd(9)} ${med(name, 'qps').toFixed(0).padStart(6)} qps, ` +
        `${med(name, 'usPerQuery').toFixed(2)} us CPU/query | ${LATENCY_QPS} qps: ` +
        `p50 ${med(name, 'p50').toFixed(3)} ms, p99 ${med(name, 'p99').toFixed(3)} ms`,
    );
  }
  const ratio = med('swarmlet', 'qps') / med('dnsmasq', 'qps');
  const cpuRatio = med('dnsmasq', 'usPerQuery') / med('swarmlet', 'usPerQuery');
  console.log(`swarmlet/dnsmasq throughput at half a core: ${ratio.toFixed(2)}x (goal >= 0.70x)`);
  console.log(`dnsmasq/swarmlet CPU time per query:        ${cpuRatio.toFixed(2)}x`);
}

await main();
