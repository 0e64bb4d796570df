// Cluster benchmark on the 5-node docker-compose cluster (docker-compose.test.yml): leader
// failover (docker kill of the leader's node to the next write the cluster accepts) and time
// for 15 and 100 replicas to run. Prints figures, asserts nothing.
//
// Run through test/bench/cluster/run.sh, which builds, brings the cluster up, runs this and
// always tears the cluster down. Against a cluster left up by KEEP_CLUSTER=1 (uninitialised or
// formed by this script or the suite): node test/bench/cluster/bench.mjs [options]
//
// Options: --trials N (failover trials, default 5), --rounds N (rounds per replica count,
//          default 3), --replicas 15,100, --skip-failover, --skip-replicas
//
// The API is reached over HTTPS on the compose network from the host, with a bearer token from
// `swarmlet token create` and the cluster CA copied out of m1 (`docker cp`): the figures are the
// cluster's, without the CLI's start-up.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SwarmletClient } from '@swarmlet/client';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    replicas: { type: 'string', default: '15,100' },
    'skip-failover': { type: 'boolean', default: false },
    'skip-replicas': { type: 'boolean', default: false },
  },
});
const TRIALS = Number(values.trials);
const ROUNDS = Number(values.rounds);
const REPLICAS = values.replicas.split(',').map(Number);

const PROJECT = process.env.SWARMLET_CLUSTER_PROJECT ?? 'swarmlet-test';
const MANAGERS = ['m1', 'm2', 'm3'];
const WORKERS = ['w1', 'w2'];
const NODES = [...MANAGERS, ...WORKERS];
const ADDR = {
  m1: '172.30.77.11',
  m2: '172.30.77.12',
  m3: '172.30.77.13',
  w1: '172.30.77.21',
  w2: '172.30.77.22',
};
const IMAGE = 'swarmlet/demo-web:latest';
const HEARTBEAT = '1s';
/** A write is attempted this often during a failover (each on its own request). */
const WRITE_EVERY_MS = 50;
/** Task list polling period while waiting for replicas. */
const POLL_MS = 50;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

/** The host's docker CLI; resolves {code, stdout, stderr}, killed after timeoutMs. */
function docker(args, timeoutMs = 60_000) {
  return new Promise((resolve) => {
    execFile(
      'docker',
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

async function dockerOk(args, timeoutMs) {
  const r = await docker(args, timeoutMs);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.code} ${r.stderr.trim()}`);
  return r.stdout;
}

const ids = {};
async function cid(node) {
  if (ids[node]) return ids[node];
  const out = await dockerOk([
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--filter',
    `label=com.docker.compose.service=${node}`,
  ]);
  const found = out.split('\n').filter(Boolean);
  if (found.length !== 1)
    throw new Error(`${node}: ${found.length} containers: is the cluster up?`);
  return (ids[node] = found[0]);
}

const swarmlet = async (node, ...args) => dockerOk(['exec', await cid(node), 'swarmlet', ...args]);
const info = async (node) => JSON.parse(await swarmlet(node, 'info', '--format', 'json'));

async function health(node) {
  const r = await docker([
    'inspect',
    '-f',
    '{{.State.Status}} {{.State.Health.Status}}',
    await cid(node),
  ]);
  return r.stdout.trim();
}

async function until(what, check, timeoutMs, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms: ${what} ${last ?? ''}`);
    await sleep(everyMs);
  }
}

/** Init m1, join m2, m3 as managers and w1, w2 as workers, unless already done. */
async function formCluster() {
  await until(
    '5 healthy nodes',
    async () => (await Promise.all(NODES.map(health))).every((h) => h === 'running healthy'),
    120_000,
  );
  const states = Object.fromEntries(
    await Promise.all(NODES.map(async (n) => [n, (await info(n)).state])),
  );
  if (states.m1 === 'inactive') {
    await swarmlet('m1', 'init', '--advertise-addr', ADDR.m1, '--heartbeat-period', HEARTBEAT);
  }
  const tok = async (role) => (await swarmlet('m1', 'join-token', '-q', role)).trim();
  const [mt, wt] = [await tok('manager'), await tok('worker')];
  const join = (n, t) => swarmlet(n, 'join', '--token', t, '--advertise-addr', ADDR[n], ADDR.m1);
  for (const m of MANAGERS.slice(1)) if (states[m] === 'inactive') await join(m, mt);
  await Promise.all(WORKERS.filter((w) => states[w] === 'inactive').map((w) => join(w, wt)));
}

/** An API client per manager, with a token and the CA copied out of m1. */
async function apiClients() {
  const dir = await mkdtemp(join(tmpdir(), 'swarmlet-bench-'));
  try {
    await dockerOk([
      'cp',
      `${await cid('m1')}:/var/lib/swarmlet/certs/ca.crt`,
      join(dir, 'ca.crt'),
    ]);
    const ca = await readFile(join(dir, 'ca.crt'), 'utf8');
    const token = (await swarmlet('m1', 'token', 'create', `bench-${Date.now()}`)).trim();
    return Object.fromEntries(
      MANAGERS.map((m) => [
        m,
        new SwarmletClient({
          url: `https://${ADDR[m]}:4242`,
          token,
          tls: { ca, checkServerIdentity: () => undefined },
          timeoutMs: 15_000,
        }),
      ]),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits until the cluster is complete: 5 READY nodes, 3 reachable managers, one leader. */
async function waitComplete(api, timeoutMs = 90_000) {
  await until(
    '5 READY nodes and 3 reachable managers',
    async () => {
      for (const m of MANAGERS) {
        const nodes = await api[m].listNodes().catch(() => undefined);
        if (!nodes) continue;
        const managers = nodes.filter((n) => n.spec.role === 'manager');
        return (
          nodes.length === 5 &&
          nodes.every((n) => n.status.state === 'ready') &&
          managers.filter((n) => n.managerStatus?.reachability === 'reachable').length === 3 &&
          managers.filter((n) => n.managerStatus?.leader).length === 1
        );
      }
      return false;
    },
    timeoutMs,
    250,
  );
}

async function leaderOf(api) {
  for (const m of MANAGERS) {
    const i = await api[m].info().catch(() => undefined);
    if (i?.isLeader) return { name: m, id: i.nodeId };
  }
  throw new Error('no manager says it leads');
}

/** Running containers of `service` in every node's engine. */
async function containersOf(service) {
  const counts = await Promise.all(
    NODES.map(async (n) => {
      const out = await dockerOk([
        'exec',
        await cid(n),
        'docker',
        'ps',
        '-q',
        '--filter',
        `label=io.swarmlet.service.name=${service}`,
      ]);
      return out.split('\n').filter(Boolean).length;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.floor(s.length / 2);
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

/** service create to all N running (listTasks every POLL_MS), then rm and wait for the containers. */
async function replicaRound(api, n, round) {
  const { name: leader } = await leaderOf(api);
  const c = api[leader];
  const name = `bench-r${n}-${round}`;
  const t0 = performance.now();
  await c.createService({ name, replicas: n, task: { container: { image: IMAGE } } });
  let perNode = {};
  await until(
    `${n} running tasks of ${name}`,
    async () => {
      const tasks = await c.listTasks({ service: name });
      const running = tasks.filter(
        (t) => t.desiredState === 'running' && t.status.state === 'running',
      );
      if (running.length !== n) return false;
      perNode = {};
      for (const t of running) perNode[t.nodeId] = (perNode[t.nodeId] ?? 0) + 1;
      return true;
    },
    300_000,
    POLL_MS,
  );
  const seconds = (performance.now() - t0) / 1000;
  const tr = performance.now();
  await c.removeService(name);
  await until(
    `containers of ${name} gone`,
    async () => (await containersOf(name)) === 0,
    120_000,
    500,
  );
  const removeSeconds = (performance.now() - tr) / 1000;
  const spread = Object.values(perNode)
    .sort((a, b) => a - b)
    .join('/');
  log(
    `${n} replicas, round ${round + 1}: running in ${seconds.toFixed(2)} s (per node ${spread}); removed in ${removeSeconds.toFixed(1)} s`,
  );
  return { seconds, removeSeconds, spread };
}

/**
 * One failover trial: writes (service create, 0 replicas) through a surviving manager every
 * WRITE_EVERY_MS, each on its own request; docker kill of the leader's node; the figure is the
 * first accepted write sent after the kill returned, measured from the moment the kill was issued.
 */
async function failoverTrial(api, trial) {
  await waitComplete(api);
  const old = await leaderOf(api);
  const via = MANAGERS.find((m) => m !== old.name);
  const c = api[via];
  await c.info(); // warm the connection
  const prefix = `probe-${trial}-`;
  const writes = [];
  let stop = false;
  let k = 0;
  let tKill = Infinity;
  let tKilled = Infinity;
  let elected;

  const writer = (async () => {
    while (!stop) {
      const sent = performance.now();
      const w = { sent, done: undefined, ok: false, err: '' };
      writes.push(w);
      c.createService({
        name: `${prefix}${k++}`,
        replicas: 0,
        task: { container: { image: IMAGE } },
      }).then(
        () => Object.assign(w, { done: performance.now(), ok: true }),
        (err) =>
          Object.assign(w, {
            done: performance.now(),
            err: `${err.code ?? ''} ${err.message}`.slice(0, 90),
          }),
      );
      await sleep(WRITE_EVERY_MS);
      if (writes.some((x) => x.ok && x.sent > tKilled)) stop = true;
      if (performance.now() - tKill > 30_000) stop = true;
    }
  })();
  const watcher = (async () => {
    while (!stop) {
      const i = await c.info().catch(() => undefined);
      if (i?.leader && i.leader !== old.id && elected === undefined && tKill !== Infinity)
        elected = performance.now() - tKill;
      await sleep(WRITE_EVERY_MS);
    }
  })();

  await sleep(500); // writes flow through the old leader first
  tKill = performance.now();
  await dockerOk(['kill', await cid(old.name)]);
  tKilled = performance.now();
  await Promise.all([writer, watcher]);
  // Let the requests in flight settle (each bounded by the client's timeout).
  await until('writes settled', async () => writes.every((w) => w.done !== undefined), 20_000, 100);
  const accepted = writes
    .filter((w) => w.ok && w.sent > tKilled)
    .sort((a, b) => a.done - b.done)[0];
  const failoverMs = accepted ? accepted.done - tKill : NaN;
  const errors = {};
  for (const w of writes.filter((x) => !x.ok)) errors[w.err] = (errors[w.err] ?? 0) + 1;

  // Once the new leader has marked the killed node DOWN, start it again and wait until it
  // follows the new leader and the cluster is complete.
  const newLeader = await leaderOf(api);
  await until(
    `${old.name} DOWN`,
    async () => (await api[newLeader.name].getNode(old.id)).status.state === 'down',
    30_000,
    250,
  );
  const tStart = performance.now();
  await dockerOk(['start', await cid(old.name)]);
  await until(
    `${old.name} healthy`,
    async () => (await health(old.name)) === 'running healthy',
    90_000,
    250,
  );
  await until(
    `${old.name} following ${newLeader.name}`,
    async () => {
      const i = await info(old.name);
      return i.leader === newLeader.id && !i.isLeader;
    },
    90_000,
    250,
  );
  await waitComplete(api);
  const rejoinSeconds = (performance.now() - tStart) / 1000;
  const probes = (await c.listServices()).filter((s) => s.spec.name.startsWith(prefix));
  for (const s of probes) await c.removeService(s.id);
  const ok = writes.filter((w) => w.ok).length;
  log(
    `failover trial ${trial + 1}: ${old.name} killed (docker kill ${(tKilled - tKill).toFixed(0)} ms); ` +
      `leader seen by ${via} after ${elected?.toFixed(0) ?? '-'} ms; first accepted write ${failoverMs.toFixed(0)} ms; ` +
      `${writes.length} writes, ${ok} accepted; ${old.name} back and cluster complete in ${rejoinSeconds.toFixed(1)} s`,
  );
  if (Object.keys(errors).length) log('  refused writes:', JSON.stringify(errors));
  return { old: old.name, via, elected, failoverMs, rejoinSeconds };
}

async function main() {
  log('forming the cluster');
  await formCluster();
  const api = await apiClients();
  try {
    await waitComplete(api);
    const results = { replicas: {}, failover: [] };
    if (!values['skip-replicas']) {
      for (const n of REPLICAS) {
        results.replicas[n] = [];
        for (let r = 0; r < ROUNDS; r++) results.replicas[n].push(await replicaRound(api, n, r));
      }
    }
    if (!values['skip-failover']) {
      for (let t = 0; t < TRIALS; t++) results.failover.push(await failoverTrial(api, t));
    }
    report(results);
  } finally {
    await Promise.all(Object.values(api).map((c) => c.close()));
  }
}

function report({ replicas, failover }) {
  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  console.log('');
  if (Object.keys(replicas).length) {
    console.log('replicas: service create -> all running (s), 5 nodes');
    console.log(
      `replicas  ${Array.from({ length: ROUNDS }, (_, i) => `round ${i + 1}`.padStart(8)).join(' ')}    median   spread`,
    );
    for (const [n, rs] of Object.entries(replicas)) {
      console.log(
        `${String(n).padStart(8)}  ${rs.map((r) => f(r.seconds).padStart(8)).join(' ')}  ${f(median(rs.map((r) => r.seconds))).padStart(8)}   ${rs[0].spread}`,
      );
    }
    console.log('');
  }
  if (failover.length) {
    console.log('leader failover: docker kill of the leader node -> (ms)');
    console.log('trial  killed  via   leader seen   first accepted write   node back+complete (s)');
    failover.forEach((r, i) => {
      console.log(
        `${String(i + 1).padStart(5)}  ${r.old.padEnd(6)}  ${r.via.padEnd(4)}  ${f(r.elected, 0).padStart(11)}   ${f(r.failoverMs, 0).padStart(20)}   ${f(r.rejoinSeconds, 1).padStart(22)}`,
      );
    });
    const ok = (xs) => xs.filter(Number.isFinite);
    console.log(
      `median              ${f(median(ok(failover.map((r) => r.elected))), 0).padStart(11)}   ${f(median(ok(failover.map((r) => r.failoverMs))), 0).padStart(20)}   ${f(median(failover.map((r) => r.rejoinSeconds)), 1).padStart(22)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
