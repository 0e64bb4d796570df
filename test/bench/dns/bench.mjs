// DNS benchmark: swarmlet's DnsServer versus dnsmasq, both on 127.0.0.1, both limited to half a
// core, serving the same records (records.mjs), loaded by dnsperf on the same host with the same
// query file. Per round and server: the throughput (dnsperf as fast as it goes, -l seconds) and
// the latency at a fixed 2,000 qps (p50/p99 from dnsperf -v). Rounds alternate the servers;
// prints the medians and the swarmlet/dnsmasq ratio. A script that prints figures, not a test.
//
//   npx tsc -b packages/network && node test/bench/dns/bench.mjs [--rounds 3] [--seconds 10]
//
// Needs root (a cgroup), dnsperf and dnsmasq (apt-get install dnsperf dnsmasq-base).
// Half a core: a cpu cgroup with quota 50 ms per 100 ms period (cgroup v1 cpu.cfs_quota_us, or
// v2 cpu.max), made for the run and removed after; server pinned to CPU 1 and dnsperf to CPU 0
// (taskset) when there are two. Bounded: every dnsperf run has -l and a kill timeout; the
// servers are started by this script and stopped by PID in `finally`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostsFile, queryFile } from './records.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 3);
const SECONDS = arg('seconds', 10);
const LATENCY_QPS = 2000;
const LATENCY_SECONDS = 5;
const PORTS = { dnsmasq: 25353, swarmlet: 25354 };
const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const twoCpus = cpus().length >= 2;
const pin = (cpu, cmd) => (twoCpus ? ['taskset', '-c', String(cpu), ...cmd] : cmd);

function need(cmd) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`${cmd} not found: apt-get install dnsperf dnsmasq-base`);
    process.exit(2);
  }
}

/** A cpu cgroup limited to half a core; `procs` is the file a process writes its PID into. */
function makeCgroup() {
  const name = `swarmlet-dnsbench-${process.pid}`;
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) {
    const dir = `/sys/fs/cgroup/cpu/${name}`;
    mkdirSync(dir);
    writeFileSync(`${dir}/cpu.cfs_period_us`, '100000');
    writeFileSync(`${dir}/cpu.cfs_quota_us`, '50000');
    return { dir, procs: `${dir}/cgroup.procs`, how: 'cgroup v1 cpu.cfs_quota_us=50000/100000' };
  }
  const ctl = '/sys/fs/cgroup/cgroup.controllers';
  if (existsSync(ctl) && readFileSync(ctl, 'utf8').split(/\s+/).includes('cpu')) {
    writeFileSync('/sys/fs/cgroup/cgroup.subtree_control', '+cpu');
    const dir = `/sys/fs/cgroup/${name}`;
    mkdirSync(dir);
    writeFileSync(`${dir}/cpu.max`, '50000 100000');
    return { dir, procs: `${dir}/cgroup.procs`, how: 'cgroup v2 cpu.max=50000 100000' };
  }
  throw new Error('no cpu cgroup controller (v1 or v2) to cap the servers at half a core');
}

/** Starts `cmd` inside the cgroup on CPU 1; resolves once `ready` says it listens. */
async function startServer(cg, cmd, ready) {
  const script = `echo $$ > ${cg.procs} && exec "$@"`;
  const child = spawn('sh', ['-c', script, 'sh', ...pin(1, cmd)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.resume();
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) throw new Error(`${cmd[0]} exited: ${err}`);
    if (await ready()) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${cmd[0]} did not answer within 5 s: ${err}`);
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
function dnsperf(port, qfile, extra, seconds) {
  const args = [
    '-s',
    '127.0.0.1',
    '-p',
    String(port),
    '-d',
    qfile,
    '-l',
    String(seconds),
    ...extra,
  ];
  const r = spawnSync(pin(0, ['dnsperf'])[0], [...pin(0, ['dnsperf']).slice(1), ...args], {
    encoding: 'utf8',
    timeout: (seconds + 10) * 1000,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`dnsperf failed: ${r.stderr || r.error}`);
  return r.stdout;
}

function cpuTicks(pid) {
  // utime + stime of the server (fields 14 and 15 of /proc/PID/stat), in clock ticks (1/100 s).
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function probe(port, qfile) {
  const r = spawnSync('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', qfile, '-n', '1'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return r.status === 0 && /Queries completed:\s+\d+ \(100\.00%\)/.test(r.stdout);
}

async function measure(name, child, port, qfile) {
  const pid = serverPid(child);
  const t0 = cpuTicks(pid);
  const out = dnsperf(port, qfile, ['-c', '1', '-q', '200'], SECONDS);
  const t1 = cpuTicks(pid);
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)[1]);
  const done = Number(/Queries completed:\s+(\d+)/.exec(out)[1]);
  const lost = /Queries lost:\s+(\d+)/.exec(out)[1];
  const codes = /Response codes:\s+(.*)/.exec(out)?.[1] ?? '?';
  const lat = dnsperf(port, qfile, ['-Q', String(LATENCY_QPS), '-v'], LATENCY_SECONDS);
  const ms = [...lat.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1]) * 1000);
  ms.sort((a, b) => a - b);
  const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? NaN;
  const usPerQuery = ((t1 - t0) * 10_000) / done;
  const row = { qps, p50: pct(50), p99: pct(99), usPerQuery, lost, codes };
  console.log(
    `  ${name.padEnd(9)} ${qps.toFixed(0).padStart(7)} qps  lost ${lost}  ${usPerQuery.toFixed(1)} us CPU/query` +
      `  | at ${LATENCY_QPS} qps: p50 ${row.p50.toFixed(3)} ms p99 ${row.p99.toFixed(3)} ms  (${codes})`,
  );
  return row;
}

/** The server's own PID: sh execs taskset, which execs the server, so it is the child's PID. */
function serverPid(child) {
  return child.pid;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
  const cg = makeCgroup();
  const servers = {
    dnsmasq: [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${hosts}`,
      '--port',
      String(PORTS.dnsmasq),
      '--bind-interfaces',
      '--listen-address',
      '127.0.0.1',
      '--user=root',
      '--pid-file=',
      '--log-facility=/dev/null',
    ],
    swarmlet: [process.execPath, path.join(here, 'serve.mjs'), String(PORTS.swarmlet)],
  };
  console.log(
    `DNS benchmark: ${cg.how}, ${twoCpus ? 'server on CPU 1, dnsperf on CPU 0' : 'one CPU'}; ` +
      `${ROUNDS} rounds x ${SECONDS} s; node ${process.version}; ${spawnSync('dnsmasq', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}`,
  );
  const results = { dnsmasq: [], swarmlet: [] };
  let child;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      for (const name of round % 2 === 1 ? ['dnsmasq', 'swarmlet'] : ['swarmlet', 'dnsmasq']) {
        child = await startServer(cg, servers[name], () => probe(PORTS[name], qfile));
        await sleep(500);
        results[name].push(await measure(name, child, PORTS[name], qfile));
        await stopServer(child);
        child = undefined;
      }
    }
  } finally {
    if (child !== undefined) await stopServer(child);
    rmdirSync(cg.dir);
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log('medians');
  for (const name of ['dnsmasq', 'swarmlet']) {
    const r = results[name];
    console.log(
      `  ${name.padEnd(9)} ${median(r.map((x) => x.qps))
        .toFixed(0)
        .padStart(7)} qps  ` +
        `${median(r.map((x) => x.usPerQuery)).toFixed(1)} us CPU/query  ` +
        `p50 ${median(r.map((x) => x.p50)).toFixed(3)} ms  p99 ${median(r.map((x) => x.p99)).toFixed(3)} ms`,
    );
  }
  const ratio =
    median(results.swarmlet.map((x) => x.qps)) / median(results.dnsmasq.map((x) => x.qps));
  console.log(`swarmlet/dnsmasq throughput at half a core: ${ratio.toFixed(2)}x (goal >= 0.70x)`);
}

await main();
