// Ingress benchmark: wrk (64 connections, 2 threads) fetching a 1 KiB file from 3 nginx backends,
// keep-alive and `Connection: close` (a new TCP connection per request), through
//   swarmlet - swarmlet's IngressProxy (userspace), capped at half a core (cgroup v1 cpu quota),
//   haproxy  - HAProxy (mode tcp, balance roundrobin, 1 thread), capped at half a core,
//   kernel   - iptables DNAT `-m statistic --mode nth` round robin + MASQUERADE (nat PREROUTING /
//              POSTROUTING of the node's namespace; not capped: it runs in softirq context),
//   naive    - with --naive: the "minimal Node net proxy" of ANCHORS.md, capped,
//   direct   - one backend, no balancer (reference).
// Prints requests/s, p99, the proxy's CPU per request, the machine's CPU per request (/proc/stat:
// the only honest figure for the kernel path) and the ratios against HAProxy and direct.
//
// Layout (default): three network namespaces made here, `client` (wrk) -- veth -- `node`
// (published address 10.78.1.1, the proxies, the NAT rules, IP forwarding) -- veth -- `tasks`
// (nginx on 10.78.2.11-13:80). Every target crosses the same two veths; `direct` is routed by the
// node to 10.78.2.11 without NAT. The node's nat table exists for the whole run, so conntrack
// tracks every target's connections in the node (as on any Docker host).
// --loopback: the older layout, everything on 127.0.0.1 in the current namespace (no `kernel`).
//
//   npx tsc -b packages/network && node test/bench/ingress/bench.mjs [--quick] [--rounds N]
//       [--duration S] [--naive] [--no-cap] [--no-kernel] [--loopback] [--only kernel,direct]
//
// Bounded: every wrk run has a fixed duration and a kill deadline; every process is started here
// and stopped by its PID; namespaces (with their interfaces and iptables rules), the cgroup,
// configs and files are removed in `finally` (also on Ctrl-C). Needs root, nginx, haproxy, wrk.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
  waitForPort,
  waitListening,
  wrk,
  zeroBackendCounters,
} from './netlab.mjs';

const { args, rounds: ROUNDS, durationS: DURATION_S, cap: CAP } = benchArgs();
const WARMUP_S = 2;
const CONNECTIONS = 64;
const LOOPBACK = args.includes('--loopback');
const NSTAT = args.includes('--nstat'); // debugging: TCP counters of each namespace per run
const KERNEL = !LOOPBACK && !args.includes('--no-kernel');
const TARGETS = ['swarmlet', 'haproxy', 'naive', 'kernel', 'direct'];
const here = path.dirname(fileURLToPath(import.meta.url));

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

/** The network: where wrk runs, where the proxies listen, the backends. */
async function setUpNetwork(tmp) {
  if (LOOPBACK) {
    const ports = [await freePort(), await freePort(), await freePort()];
    return {
      backendsFor: () => ports.map((p) => `127.0.0.1:${p}`),
      nginxListens: ports.map((p) => `127.0.0.1:${p}`),
      listen: async () => `127.0.0.1:${await freePort()}`,
      direct: `127.0.0.1:${ports[0]}`,
      async waitBackends(nginx) {
        for (const p of ports) await waitForPort(p, nginx);
      },
    };
  }
  const tag = `sl-ingress-${process.pid}`;
  const client = addNamespace(`${tag}-client`);
  const node = addNamespace(`${tag}-node`);
  const tasks = addNamespace(`${tag}-tasks`);
  // Each target gets its own 3 task addresses (10.78.2.11-13 for the first, .21-23, ...): the
  // tasks' TIME_WAIT sockets of one target (60 s) must not meet another target's connections.
  // They would: with other TCP timestamp offsets (one per address pair) PAWS rejects the SYNs
  // that reuse a 4-tuple, and each rejected SYN stalls a connection for the 1 s SYN retransmit.
  const addrsOf = Object.fromEntries(
    TARGETS.map((name, k) => [name, [1, 2, 3].map((i) => `10.78.2.${10 * (k + 1) + i}`)]),
  );
  const allAddrs = Object.values(addrsOf).flat();
  const taskAddrs = addrsOf.kernel;
  veth(client, 'eth0', '10.78.1.2/24', node, 'c0', '10.78.1.1/24');
  veth(
    node,
    't0',
    '10.78.2.1/24',
    tasks,
    'eth0',
    allAddrs.map((a) => `${a}/24`),
  );
  sh('ip', '-n', client, 'route', 'add', 'default', 'via', '10.78.1.1');
  sh('ip', '-n', tasks, 'route', 'add', 'default', 'via', '10.78.2.1');
  nsSysctl(node, 'net.ipv4.ip_forward', 1);
  // One client address makes 64 connections reuse ports quickly; wrk sometimes closes first and
  // leaves TIME_WAIT on the client. On 127.0.0.1 Linux reuses those (tcp_tw_reuse=2: loopback);
  // here allow it too, in the client and in the node (the proxies' backend connections), else
  // the 28,000 ephemeral ports fill within seconds in close mode.
  nsSysctl(client, 'net.ipv4.tcp_tw_reuse', 1);
  nsSysctl(node, 'net.ipv4.tcp_tw_reuse', 1);
  // The kernel ingress: published port 10.78.1.1:8080, round robin by connection (nat rules see
  // only a connection's first packet), source NAT towards the tasks so replies come back here.
  iptables(node, '-t', 'nat', '-N', 'SL-INGRESS');
  iptables(
    node,
    '-t',
    'nat',
    '-A',
    'PREROUTING',
    '-d',
    '10.78.1.1',
    '-p',
    'tcp',
    '--dport',
    '8080',
    '-j',
    'SL-INGRESS',
  );
  taskAddrs.forEach((a, i) => {
    const nth = taskAddrs.length - i;
    const match =
      nth > 1 ? ['-m', 'statistic', '--mode', 'nth', '--every', String(nth), '--packet', '0'] : [];
    iptables(
      node,
      '-t',
      'nat',
      '-A',
      'SL-INGRESS',
      '-p',
      'tcp',
      ...match,
      '-j',
      'DNAT',
      '--to-destination',
      `${a}:80`,
    );
  });
  iptables(
    node,
    '-t',
    'nat',
    '-A',
    'POSTROUTING',
    '-o',
    't0',
    '-m',
    'conntrack',
    '--ctstate',
    'DNAT',
    '-j',
    'MASQUERADE',
  );
  addBackendCounters(tasks, allAddrs, 80);
  let nextPort = 8081;
  return {
    tmp,
    clientNs: client,
    nodeNs: node,
    tasksNs: tasks,
    addrsFor: (name) => addrsOf[name],
    backendsFor: (name) => addrsOf[name].map((a) => `${a}:80`),
    nginxListens: allAddrs.map((a) => `${a}:80`),
    listen: async () => `10.78.1.1:${nextPort++}`,
    kernel: '10.78.1.1:8080',
    direct: `${addrsOf.direct[0]}:80`,
    async waitBackends(nginx) {
      await waitListening(nginx, 80);
    },
  };
}

/** The proxies under test: each returns the [cmd, argv] that starts it listening on `bind`. */
function proxies(net, tmp) {
  const node = (script, name) => (bind) => [
    process.execPath,
    [path.join(here, script), bind, ...net.backendsFor(name)],
  ];
  const list = {
    swarmlet: node('swarmlet-proxy.mjs', 'swarmlet'),
    haproxy: (bind) => {
      const cfg = path.join(tmp, `haproxy-${bind.replace(/\W/g, '_')}.cfg`);
      writeFileSync(cfg, haproxyConfig(bind, net.backendsFor('haproxy')));
      return ['haproxy', ['-q', '-db', '-f', cfg]];
    },
  };
  if (args.includes('--naive')) list.naive = node('naive-proxy.mjs', 'naive');
  return list;
}

async function runProxy(net, cgroup, name, argvOf, close) {
  const bind = await net.listen();
  const port = Number(bind.split(':')[1]);
  const child = await startProxy(argvOf(bind), port, {
    ns: net.nodeNs,
    cgroup,
    loopback: LOOPBACK,
  });
  try {
    return await runLoad(net, name, `http://${bind}/1k.bin`, close, child);
  } finally {
    await stop(child);
  }
}

async function runLoad(net, name, url, close, proxy) {
  await wrk(url, { close, seconds: WARMUP_S, ns: net.clientNs });
  if (net.tasksNs) zeroBackendCounters(net.tasksNs);
  const nstat = (ns, flag) => {
    process.env.NSTAT_HISTORY = path.join(net.tmp, `nstat-${ns}`); // one history per namespace
    return sh('ip', 'netns', 'exec', ns, 'nstat', flag);
  };
  if (NSTAT) for (const ns of [net.clientNs, net.nodeNs, net.tasksNs]) nstat(ns, '-n');
  const r = await measure(url, { close, seconds: DURATION_S, ns: net.clientNs, proxy });
  if (NSTAT) {
    for (const ns of [net.clientNs, net.nodeNs, net.tasksNs]) {
      const out = nstat(ns, '-s')
        .split('\n')
        .filter((l) => /Retrans|Drop|Overflow|Rst|Reset|Fail|Abort|TW|Challenge|PAWS/.test(l));
      console.log(
        `      nstat ${ns.split('-').pop()}: ${out.map((l) => l.trim().split(/\s+/).slice(0, 2).join('=')).join(' ')}`,
      );
    }
  }
  if (net.tasksNs) r.even = evenness(readBackendCounters(net.tasksNs, net.addrsFor(name)));
  return r;
}

function line(mode, round, name, r) {
  const cpu =
    r.cpuUsPerReq === undefined
      ? ''
      : `, proxy CPU ${r.cpuUsPerReq.toFixed(1)} us/req (${(r.cpuShare * 100).toFixed(0)}% of a core)`;
  const machine = `, machine ${r.machineUsPerReq.toFixed(1)} us/req (softirq ${r.softirqUsPerReq.toFixed(1)}, sys ${r.sysUsPerReq.toFixed(1)}; ${r.machineBusy.toFixed(2)} cores busy, ${r.background.toFixed(2)} busy before)`;
  console.log(
    `  ${mode} round ${round + 1} ${name.padEnd(8)} ${r.rate.toFixed(0).padStart(6)} req/s, p99 ${r.p99.toFixed(2)} ms (avg ${r.avg.toFixed(2)}, max ${r.max.toFixed(0)})${cpu}${machine}, errors ${r.errors}`,
  );
  if (r.even && name !== 'direct') console.log(`      per backend: ${r.even.text}`);
}

async function main() {
  const tmp = tempDir(mkdtempSync(path.join(tmpdir(), 'ingress-bench-')));
  chmodSync(tmp, 0o755); // nginx workers run as nobody
  mkdirSync(path.join(tmp, 'www'));
  writeFileSync(path.join(tmp, 'www', '1k.bin'), Buffer.alloc(1024, 0x61));
  const net = await setUpNetwork(tmp);
  writeFileSync(path.join(tmp, 'nginx.conf'), nginxConfig(tmp, net.nginxListens));
  const nginx = start(
    'nginx',
    ['-p', tmp, '-c', path.join(tmp, 'nginx.conf'), '-g', 'daemon off;'],
    {
      ns: net.tasksNs,
    },
  );
  await net.waitBackends(nginx);
  const cgroup = CAP ? createCgroup('swarmlet-bench-ingress') : undefined;
  console.log(
    `wrk -t2 -c${CONNECTIONS} -d${DURATION_S}s (after ${WARMUP_S} s warm-up), 1 KiB from 3 nginx backends; ` +
      `${LOOPBACK ? 'all on 127.0.0.1' : 'client ns -> node ns -> tasks ns over veth'}; ` +
      `proxies ${CAP ? 'capped at half a core (cgroup v1 cpu quota 50000/100000 us)' : 'uncapped'}` +
      `${KERNEL ? ', kernel NAT uncapped' : ''}; ${ROUNDS} rounds, alternating`,
  );
  const targets = proxies(net, tmp);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
  const names = [...Object.keys(targets), ...(KERNEL ? ['kernel'] : []), 'direct'].filter(
    (n) => !only || only.includes(n) || n === 'haproxy', // the ratios need HAProxy
  );
  const results = {};
  for (const [mode, close] of [
    ['keep-alive', false],
    ['close', true],
  ]) {
    results[mode] = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names) {
        let r;
        if (targets[name]) r = await runProxy(net, cgroup, name, targets[name], close);
        else if (name === 'kernel')
          r = await runLoad(net, name, `http://${net.kernel}/1k.bin`, close);
        else r = await runLoad(net, name, `http://${net.direct}/1k.bin`, close);
        (results[mode][name] ??= []).push(r);
        line(mode, round, name, r);
      }
    }
  }
  summary(results, names);
}

function summary(results, names) {
  console.log(
    '\n| mode | target | req/s best (median) | p99 ms (of best) | proxy CPU us/req | machine CPU us/req (softirq), medians | other work before, cores | vs HAProxy best (median) | vs direct (median) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [mode, byName] of Object.entries(results)) {
    const med = (name) => median(byName[name].map((r) => r.rate));
    const hBest = Math.max(...byName.haproxy.map((r) => r.rate));
    for (const name of names) {
      const runs = byName[name];
      const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
      const cpu = best.cpuUsPerReq === undefined ? '-' : best.cpuUsPerReq.toFixed(1);
      const m = (k) => median(runs.map((r) => r[k])).toFixed(k === 'background' ? 2 : 1);
      const machine = `${m('machineUsPerReq')} (${m('softirqUsPerReq')})`;
      const bg = m('background');
      const vsH = `${(best.rate / hBest).toFixed(2)}x (${(med(name) / med('haproxy')).toFixed(2)}x)`;
      const vsD = `${(med(name) / med('direct')).toFixed(2)}x`;
      console.log(
        `| ${mode} | ${name} | ${best.rate.toFixed(0)} (${med(name).toFixed(0)}) | ${best.p99.toFixed(2)} | ${cpu} | ${machine} | ${bg} | ${vsH} | ${vsD} |`,
      );
    }
  }
  const kernelRuns = results.close?.kernel;
  if (kernelRuns) {
    console.log('\nkernel round robin per backend (close mode, one connection per request):');
    for (const r of kernelRuns) console.log(`  ${r.even.text}`);
  }
}

await runMain(main);
