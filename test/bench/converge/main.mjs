// Convergence benchmark: create 15 replicas (to 15/15 running) and scale 15 -> 50, on the local
// engine, for swarmlet and for real Docker Swarm in the same run; prints figures and ratios.
// Usage: node test/bench/converge/main.mjs [--rounds N] [--only swarmlet|swarm]
import { parseArgs } from 'node:util';
import { startSwarmlet } from './swarmlet.mjs';
import { startSwarm } from './swarm.mjs';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, only: { type: 'string' } },
});
const rounds = Number(values.rounds);
const IMAGE = 'swarmlet/demo-web:latest';
const ARGS = [];

async function measure(label, start) {
  const out = { create15: [], scale50: [] };
  for (let i = 0; i < rounds; i++) {
    const sys = await start();
    const name = `bench${i}`;
    try {
      out.create15.push(await sys.converge(name, 15, IMAGE, ARGS));
      out.scale50.push(await sys.converge(name, 50, IMAGE, ARGS));
    } finally {
      await sys.cleanup(name);
    }
    console.log(
      `${label} round ${i + 1}: create 15 ${out.create15.at(-1).toFixed(2)} s, scale 15->50 ${out.scale50.at(-1).toFixed(2)} s`,
    );
  }
  return { create15: median(out.create15), scale50: median(out.scale50) };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const results = {};
if (values.only !== 'swarm') results.swarmlet = await measure('swarmlet', startSwarmlet);
if (values.only !== 'swarmlet') results.swarm = await measure('swarm   ', startSwarm);
console.log('\nmedian of', rounds, 'rounds (seconds)');
console.log('system     create-15   scale-15->50');
for (const [k, v] of Object.entries(results))
  console.log(
    `${k.padEnd(10)} ${v.create15.toFixed(2).padStart(9)}   ${v.scale50.toFixed(2).padStart(12)}`,
  );
if (results.swarmlet && results.swarm) {
  console.log(
    `speed-up   ${(results.swarm.create15 / results.swarmlet.create15).toFixed(2).padStart(8)}x   ${(results.swarm.scale50 / results.swarmlet.scale50).toFixed(2).padStart(11)}x   (swarm time / swarmlet time; goal >= 2x)`,
  );
}
