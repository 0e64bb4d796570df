// Measures DockerExecutor against the local engine (run scripts/build-images.sh first):
//   1. latency of one task lifecycle: prepare (create) + start + inspect + remove, sequentially;
//   2. containers started per second (prepare + start) at concurrency 1, 4, 8, 16, and the
//      remove rate at the same concurrency.
// Usage: npx tsc -b packages/executor-docker && node test/bench/executor.mjs [count-per-level]
// Env: BENCH_IMAGE (default swarmlet/demo-web:latest), BENCH_LEVELS (default 1,4,8,16).
// Every container carries the label io.swarmlet.bench=<run>; all are removed at the end.
import { randomBytes } from 'node:crypto';
import { DockerExecutor } from '@swarmlet/executor-docker';
import { makeTestTask } from '@swarmlet/executor-docker/contract';

const COUNT = Math.min(Number(process.argv[2] ?? 32), 200);
const LEVELS = (process.env.BENCH_LEVELS ?? '1,4,8,16').split(',').map(Number);
const IMAGE = process.env.BENCH_IMAGE ?? 'swarmlet/demo-web:latest';
const RUN = `bench-${randomBytes(3).toString('hex')}`;
const LABEL = 'io.swarmlet.bench';
const executor = new DockerExecutor({ nodeId: `node-${RUN}` });
let seq = 0;

function task() {
  seq += 1;
  return makeTestTask({
    id: `${RUN}-${seq}`,
    nodeId: executor.nodeId,
    serviceName: 'bench',
    slot: seq,
    container: { image: IMAGE, labels: { [LABEL]: RUN }, stopGracePeriodMs: 1000 },
  });
}

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `median ${at(0.5).toFixed(0)} ms, min ${s[0].toFixed(0)}, p90 ${at(0.9).toFixed(0)}, max ${s[s.length - 1].toFixed(0)}`;
};

/** Runs `job` for each item with at most `concurrency` in flight; returns wall ms. */
async function pool(items, concurrency, job) {
  const start = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ms(start);
}

async function lifecycle(samples) {
  const total = [];
  const steps = { prepare: [], start: [], inspect: [], remove: [] };
  for (let i = 0; i < samples; i++) {
    const ctl = executor.controller(task());
    const t0 = process.hrtime.bigint();
    for (const step of ['prepare', 'start', 'inspect', 'remove']) {
      const s = process.hrtime.bigint();
      const out = await ctl[step]();
      if (step === 'inspect' && !out?.running) throw new Error('container not running after start');
      steps[step].push(ms(s));
    }
    total.push(ms(t0));
  }
  console.log(`lifecycle create+start+inspect+remove (${samples} sequential): ${stats(total)}`);
  for (const [step, xs] of Object.entries(steps)) console.log(`  ${step.padEnd(8)} ${stats(xs)}`);
}

async function throughput(concurrency) {
  const ctls = Array.from({ length: COUNT }, () => executor.controller(task()));
  const startMs = await pool(ctls, concurrency, async (c) => {
    await c.prepare();
    await c.start();
  });
  const running = (await executor.list()).filter((c) => c.running).length;
  const removeMs = await pool(ctls, concurrency, (c) => c.remove());
  const rate = (COUNT / startMs) * 1000;
  console.log(
    `concurrency ${String(concurrency).padStart(2)}: started ${COUNT} (${running} running) in ${(startMs / 1000).toFixed(2)} s = ` +
      `${rate.toFixed(1)}/s; 15 replicas ~${(15 / rate).toFixed(1)} s, +35 ~${(35 / rate).toFixed(1)} s; ` +
      `removed at ${((COUNT / removeMs) * 1000).toFixed(1)}/s`,
  );
}

async function cleanup() {
  const docker = await executor.engine();
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${RUN}`] } });
  await Promise.allSettled(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  if (left.length > 0) console.log(`cleanup: removed ${left.length} leftover containers`);
}

try {
  const d = await executor.describe();
  console.log(
    `engine ${d.engine.version}, ${d.resources.nanoCpus / 1e9} CPUs, image ${IMAGE}, ${COUNT} containers per level`,
  );
  await lifecycle(10);
  for (const level of LEVELS) await throughput(level);
} finally {
  await cleanup();
}
