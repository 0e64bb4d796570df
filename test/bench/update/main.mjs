// Rolling-update benchmark: 10 replicas of demo-web, then `service update --env-add V=<round>`
// with the same settings on both systems (start-first, parallelism 2, no delay, monitor 1 s),
// timed from the update request until the manager reports the update completed. swarmlet and
// Docker Swarm run on the local engine in alternating rounds, so a noisy neighbour slows both.
// Usage: node test/bench/update/main.mjs [--rounds N] [--replicas N] [--only swarmlet|swarm]
// BENCH_NO_DATA_PLANE=1 runs swarmletd with --no-data-plane (no overlay, DNS, VIP or ingress
// work), to see what the data plane costs.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { parseArgs, promisify } from 'node:util';
import { startSwarmlet } from '../converge/swarmlet.mjs';
import { startSwarm } from '../converge/swarm.mjs';
import { timeUntil } from '../converge/util.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    replicas: { type: 'string', default: '10' },
    only: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const replicas = Number(values.replicas);
const IMAGE = 'swarmlet/demo-web:latest';
const docker = (...args) => promisify(execFile)('docker', args);

/** GET on the engine API (in-process, so polling costs Swarm's rounds no extra processes). */
function engineGet(path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: '/var/run/docker.sock', path }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function updateSwarmlet(sys, name, round) {
  const { client } = sys;
  const cur = await client.getService(name);
  const c = cur.spec.task.container;
  const t0 = performance.now();
  await client.updateService(name, {
    version: cur.meta.version,
    spec: {
      ...cur.spec,
      updateConfig: { parallelism: 2, delayMs: 0, order: 'start-first', monitorMs: 1000 },
      task: { ...cur.spec.task, container: { ...c, env: [`V=${round}`] } },
    },
  });
  await timeUntil(
    async () => (await client.getService(name)).updateStatus?.state === 'completed',
    180_000,
    20,
  );
  return (performance.now() - t0) / 1000;
}

async function updateSwarm(_sys, name, round) {
  const t0 = performance.now();
  await docker(
    'service',
    'update',
    '--detach',
    '--env-add',
    `V=${round}`,
    '--update-parallelism',
    '2',
    '--update-delay',
    '0s',
    '--update-order',
    'start-first',
    '--update-monitor',
    '1s',
    name,
  );
  await timeUntil(
    async () => (await engineGet(`/v1.41/services/${name}`)).UpdateStatus?.State === 'completed',
    180_000,
    20,
  );
  return (performance.now() - t0) / 1000;
}

const systems = [];
if (values.only !== 'swarm') systems.push(['swarmlet', startSwarmlet, updateSwarmlet]);
if (values.only !== 'swarmlet') systems.push(['swarm', startSwarm, updateSwarm]);
const times = Object.fromEntries(systems.map(([k]) => [k, []]));
for (let i = 0; i < rounds; i++) {
  for (const [label, start, update] of systems) {
    const sys = await start();
    const name = `upd${i}`;
    try {
      await sys.converge(name, replicas, IMAGE, []);
      times[label].push(await update(sys, name, i + 1));
    } finally {
      await sys.cleanup(name);
    }
    console.log(
      `${label.padEnd(8)} round ${i + 1}: update of ${replicas} ${times[label].at(-1).toFixed(2)} s`,
    );
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `\nmedian of ${rounds} rounds: rolling update of ${replicas} replicas (start-first, parallelism 2, monitor 1 s)`,
);
for (const [k, v] of Object.entries(times))
  console.log(`${k.padEnd(10)} ${median(v).toFixed(2)} s`);
if (times.swarmlet?.length && times.swarm?.length)
  console.log(`speed-up   ${(median(times.swarm) / median(times.swarmlet)).toFixed(2)}x`);
