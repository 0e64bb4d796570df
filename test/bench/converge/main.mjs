// Convergence benchmark: create 15 replicas (to 15/15 running) and scale 15 -> 50, on the local
// engine, for swarmlet and for real Docker Swarm in the same run; prints figures and ratios.
// Rounds alternate between the systems, so a noisy neighbour slows both alike.
// Usage: node test/bench/converge/main.mjs [--rounds N] [--only swarmlet|swarm]
//                                           [--engine-concurrency N]
import { parseArgs } from 'node:util';
import { startSwarmlet } from './swarmlet.mjs';
import { startSwarm } from './swarm.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    'engine-concurrency': { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const IMAGE = 'swarmlet/demo-web:latest';
const ARGS = [];

/** One round of one system: create 15, then scale to 50; always cleans up. */
async function round(label, start, i, out) {
  const sys = await start();
  const name = `bench${i}`;
  try {
    out.create15.push(await sys.converge(name, 15, IMAGE, ARGS));
    out.scale50.push(await sys.converge(name, 50, IMAGE, ARGS));
  } finally {
    await sys.cleanup(name);
  }
  const last = (xs) => xs.at(-1).toFixed(2);
  console.log(
    `${label} round ${i + 1}: create 15 ${last(out.create15)} s, scale 15->50 ${last(out.scale50)} s`,
  );
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const systems = [];
if (values.only !== 'swarm')
  systems.push(['swarmlet', () => startSwarmlet(values['engine-concurrency'])]);
if (values.only !== 'swarmlet') systems.push(['swarm', startSwarm]);
const raw = Object.fromEntries(systems.map(([k]) => [k, { create15: [], scale50: [] }]));
for (let i = 0; i < rounds; i++) {
  for (const [label, start] of systems) await round(label.padEnd(8), start, i, raw[label]);
}

console.log('\nmedian of', rounds, 'rounds (seconds)');
console.log('system     create-15   scale-15->50');
const med = {};
for (const [k, v] of Object.entries(raw)) {
  med[k] = { create15: median(v.create15), scale50: median(v.scale50) };
  console.log(
    `${k.padEnd(10)} ${med[k].create15.toFixed(2).padStart(9)}   ${med[k].scale50.toFixed(2).padStart(12)}`,
  );
}
if (med.swarmlet && med.swarm) {
  const r = (k) => (med.swarm[k] / med.swarmlet[k]).toFixed(2);
  console.log(
    `speed-up   ${r('create15').padStart(8)}x   ${r('scale50').padStart(11)}x   (swarm time / swarmlet time; goal >= 2x)`,
  );
}
