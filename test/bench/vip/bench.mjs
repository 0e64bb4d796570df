// VIP benchmark: a task connects to a service's virtual IP, balanced round robin over the
// service's 3 tasks. wrk (64 connections, 2 threads) in the client task's namespace fetches a
// 1 KiB file from nginx, keep-alive and `Connection: close` (a new TCP connection per request),
//   direct   - to one task's address, no VIP (reference),
//   dnat     - iptables DNAT `-m statistic --mode nth` round robin in the client task's own
//              namespace (nat OUTPUT: the per-sandbox IPVS of Docker Swarm, done with iptables),
//   swarmlet - swarmlet's IngressProxy (userspace) in the node's namespace, listening on the VIP,
//              capped at half a core (cgroup v1 cpu quota 50000/100000 us),
//   haproxy  - HAProxy (mode tcp, roundrobin, 1 thread) in the same place and cap, for reference.
// Prints requests/s, p99, the proxy's CPU per request, the machine's CPU per request (/proc/stat)
// and connections per backend (SYNs counted in the tasks' namespace) for round-robin evenness.
//
// Layout: three network namespaces made here. `client` (10.77.0.2, wrk, the DNAT rules) and
// `tasks` (nginx, one address per task) hang on a bridge in `node` (10.77.0.1, the VIPs of the
// proxies 10.77.0.100-101), all in 10.77.0.0/24 as on one overlay network. Every target crosses
// the same bridge; the proxies' traffic crosses it twice (client -> node, node -> task).
//
//   npx tsc -b packages/network && node test/bench/vip/bench.mjs [--quick] [--rounds N]
//       [--duration S] [--no-cap] [--no-haproxy]
//
// Bounded: every wrk run has a fixed duration and a kill deadline; every process is started here
// and stopped by its PID; the namespaces (with their interfaces and iptables rules), the cgroup,
// configs and files are removed in `finally` (also on Ctrl-C). Needs root, nginx, haproxy, wrk.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addBackendCounters,
  benchArgs,
  addNamespace,
  createCgroup,
  evenness,
  haproxyConfig,
  iptables,
  measure,
  median,
  nginxConfig,
  nsSysctl,
  readBackendCounters,
  runMain,
  sh,
  start,
  startProxy,
  stop,
  tempDir,
  veth,
  waitListening,
  wrk,
  zeroBackendCounters,
} from '../ingress/netlab.mjs';

const { args, rounds: ROUNDS, durationS: DURATION_S, cap: CAP } = benchArgs();
const WARMUP_S = 2;
const TARGETS = [
  'swarmlet',
  ...(args.includes('--no-haproxy') ? [] : ['haproxy']),
  'dnat',
  'direct',
];
const ingressDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'ingress');

// Each target has its own task addresses (10.77.0.11-13, .21-23, ...): the tasks' TIME_WAIT
// sockets (60 s) of one target must not meet another's connections, whose other TCP timestamp
// offset makes PAWS reject the SYN that reuses a 4-tuple (a 1 s SYN retransmit each).
const ALL = ['swarmlet', 'haproxy', 'dnat', 'direct'];
const addrsOf = Object.fromEntries(
  ALL.map((name, k) => [name, [1, 2, 3].map((i) => `10.77.0.${10 * (k + 1) + i}`)]),
);
const allAddrs = Object.values(addrsOf).flat();
const VIP = { swarmlet: '10.77.0.100', haproxy: '10.77.0.101', dnat: '10.77.0.200' };

function setUpNetwork() {
  const tag = `sl-vip-${process.pid}`;
  const client = addNamespace(`${tag}-client`);
  const node = addNamespace(`${tag}-node`);
  const tasks = addNamespace(`${tag}-tasks`);
  sh('ip', '-n', node, 'link', 'add', 'br0', 'type', 'bridge');
  sh('ip', '-n', node, 'addr', 'add', '10.77.0.1/24', 'dev', 'br0');
  for (const v of [VIP.swarmlet, VIP.haproxy])
    sh('ip', '-n', node, 'addr', 'add', `${v}/32`, 'dev', 'br0');
  sh('ip', '-n', node, 'link', 'set', 'br0', 'up');
  veth(client, 'eth0', '10.77.0.2/24', node, 'vc', undefined);
  veth(
    tasks,
    'eth0',
    allAddrs.map((a) => `${a}/24`),
    node,
    'vt',
    undefined,
  );
  for (const dev of ['vc', 'vt']) sh('ip', '-n', node, 'link', 'set', dev, 'master', 'br0');
  // One client address and 64 connections reuse ports quickly; wrk sometimes closes first and
  // leaves TIME_WAIT behind. On 127.0.0.1 Linux reuses those (tcp_tw_reuse=2: loopback only);
  // allow it here too (client, and the proxies' connections to the tasks).
  nsSysctl(client, 'net.ipv4.tcp_tw_reuse', 1);
  nsSysctl(node, 'net.ipv4.tcp_tw_reuse', 1);
  // The VIP in the client task's namespace: nat OUTPUT sees the first packet of each connection
  // only, so `nth` is round robin per connection (every 3rd of all to the first task, every 2nd
  // of the rest to the second, the rest to the third).
  iptables(client, '-t', 'nat', '-N', 'SL-VIP');
  iptables(
    client,
    '-t',
    'nat',
    '-A',
    'OUTPUT',
    '-d',
    VIP.dnat,
    '-p',
    'tcp',
    '--dport',
    '80',
    '-j',
    'SL-VIP',
  );
  addrsOf.dnat.forEach((a, i) => {
    const nth = addrsOf.dnat.length - i;
    const match =
      nth > 1 ? ['-m', 'statistic', '--mode', 'nth', '--every', String(nth), '--packet', '0'] : [];
    iptables(
      client,
      '-t',
      'nat',
      '-A',
      'SL-VIP',
      '-p',
      'tcp',
      ...match,
      '-j',
      'DNAT',
      '--to-destination',
      `${a}:80`,
    );
  });
  addBackendCounters(tasks, allAddrs, 80);
  return { client, node, tasks };
}

function proxyArgv(name, tmp) {
  const bind = `${VIP[name]}:80`;
  const backends = addrsOf[name].map((a) => `${a}:80`);
  if (name === 'swarmlet')
    return [process.execPath, [path.join(ingressDir, 'swarmlet-proxy.mjs'), bind, ...backends]];
  const cfg = path.join(tmp, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(bind, backends));
  return ['haproxy', ['-q', '-db', '-f', cfg]];
}

async function run(net, name, close, cgroup, tmp) {
  const url = `http://${name === 'direct' ? addrsOf.direct[0] : VIP[name]}:80/1k.bin`;
  const proxy =
    name === 'swarmlet' || name === 'haproxy'
      ? await startProxy(proxyArgv(name, tmp), 80, { ns: net.node, cgroup })
      : undefined;
  try {
    await wrk(url, { close, seconds: WARMUP_S, ns: net.client });
    zeroBackendCounters(net.tasks);
    const r = await measure(url, { close, seconds: DURATION_S, ns: net.client, proxy });
    r.even = evenness(readBackendCounters(net.tasks, addrsOf[name]));
    return r;
  } finally {
    if (proxy) await stop(proxy);
  }
}

function line(mode, round, name, r) {
  const cpu =
    r.cpuUsPerReq === undefined
      ? ''
      : `, proxy CPU ${r.cpuUsPerReq.toFixed(1)} us/req (${(r.cpuShare * 100).toFixed(0)}% of a core)`;
  console.log(
    `  ${mode} round ${round + 1} ${name.padEnd(8)} ${r.rate.toFixed(0).padStart(6)} req/s, p99 ${r.p99.toFixed(2)} ms (avg ${r.avg.toFixed(2)})${cpu}, ` +
      `machine ${r.machineUsPerReq.toFixed(1)} us/req (softirq ${r.softirqUsPerReq.toFixed(1)}; ${r.machineBusy.toFixed(2)} cores busy, ` +
      `${r.background.toFixed(2)} busy before), errors ${r.errors}`,
  );
  if (name !== 'direct') console.log(`      per backend: ${r.even.text}`);
}

async function main() {
  const tmp = tempDir(mkdtempSync(path.join(tmpdir(), 'vip-bench-')));
  chmodSync(tmp, 0o755); // nginx workers run as nobody
  mkdirSync(path.join(tmp, 'www'));
  writeFileSync(path.join(tmp, 'www', '1k.bin'), Buffer.alloc(1024, 0x61));
  const net = setUpNetwork();
  writeFileSync(
    path.join(tmp, 'nginx.conf'),
    nginxConfig(
      tmp,
      allAddrs.map((a) => `${a}:80`),
    ),
  );
  const nginx = start(
    'nginx',
    ['-p', tmp, '-c', path.join(tmp, 'nginx.conf'), '-g', 'daemon off;'],
    {
      ns: net.tasks,
    },
  );
  await waitListening(nginx, 80);
  const cgroup = CAP ? createCgroup('swarmlet-bench-vip') : undefined;
  console.log(
    `wrk -t2 -c64 -d${DURATION_S}s (after ${WARMUP_S} s warm-up) in the client namespace, 1 KiB from nginx; ` +
      `proxies in the node namespace ${CAP ? 'capped at half a core' : 'uncapped'}, DNAT in the client namespace; ` +
      `${ROUNDS} rounds, alternating`,
  );
  const results = {};
  for (const [mode, close] of [
    ['keep-alive', false],
    ['close', true],
  ]) {
    results[mode] = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of TARGETS) {
        const r = await run(net, name, close, cgroup, tmp);
        (results[mode][name] ??= []).push(r);
        line(mode, round, name, r);
      }
    }
  }
  summary(results);
}

function summary(results) {
  const hasH = TARGETS.includes('haproxy');
  console.log(
    `\n| mode | target | req/s best (median) | p99 ms (of best) | proxy CPU us/req | machine CPU us/req (softirq), medians | other work before, cores | vs direct (median) | vs swarmlet (median) |${hasH ? ' vs HAProxy (median) |' : ''}`,
  );
  console.log(`|---|---|---|---|---|---|---|---|---|${hasH ? '---|' : ''}`);
  for (const [mode, byName] of Object.entries(results)) {
    const med = (name) => median(byName[name].map((r) => r.rate));
    for (const name of TARGETS) {
      const runs = byName[name];
      const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
      const cpu = best.cpuUsPerReq === undefined ? '-' : best.cpuUsPerReq.toFixed(1);
      const m = (k) => median(runs.map((r) => r[k])).toFixed(k === 'background' ? 2 : 1);
      const ratio = (ref) => `${(med(name) / med(ref)).toFixed(2)}x`;
      console.log(
        `| ${mode} | ${name} | ${best.rate.toFixed(0)} (${med(name).toFixed(0)}) | ${best.p99.toFixed(2)} | ${cpu} | ` +
          `${m('machineUsPerReq')} (${m('softirqUsPerReq')}) | ${m('background')} | ${ratio('direct')} | ${ratio('swarmlet')} |${hasH ? ` ${ratio('haproxy')} |` : ''}`,
      );
    }
  }
  console.log('\nDNAT nth round robin, connections per task (SYNs seen by each task):');
  for (const [mode, byName] of Object.entries(results)) {
    for (const r of byName.dnat) console.log(`  ${mode}: ${r.even.text}`);
  }
}

await runMain(main);
