// What delivering secrets and configs adds to a task's start: time from `service create` to
// N replicas running, with and without 3 secrets + 1 config mounted, on one private swarmletd
// and the local engine; rounds alternate so machine noise hits both alike. Prints medians and
// the difference per task. A figure-printing script, not a test.
// Usage: node test/bench/secrets/start.mjs [--rounds N] [--replicas N]
import { parseArgs } from 'node:util';
import { startDaemon } from '../converge/swarmlet.mjs';
import { timeUntil } from '../converge/util.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    replicas: { type: 'string', default: '10' },
  },
});
const ROUNDS = Number(values.rounds);
const REPLICAS = Number(values.replicas);
const IMAGE = 'swarmlet/busybox:latest';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const { client, stop } = await startDaemon(['--no-data-plane']);
  const b64 = (s) => Buffer.from(s).toString('base64');
  try {
    for (const n of ['s1', 's2', 's3'])
      await client.createSecret({ name: n, data: b64(`value of ${n}`) });
    await client.createConfig({ name: 'c1', data: b64('key=value\n'.repeat(100)) });
    const files = {
      secrets: [{ source: 's1' }, { source: 's2' }, { source: 's3' }],
      configs: [{ source: 'c1', target: '/etc/app.conf' }],
    };
    const timed = async (name, withFiles) => {
      const t0 = performance.now();
      await client.createService({
        name,
        replicas: REPLICAS,
        task: { container: { image: IMAGE, args: ['sleep', '3600'] }, ...(withFiles ? files : {}) },
      });
      await timeUntil(
        async () =>
          (await client.listTasks({ service: name, desiredState: 'running' })).filter(
            (t) => t.status.state === 'running',
          ).length === REPLICAS,
        120_000,
        10,
      );
      const s = (performance.now() - t0) / 1000;
      await client.removeService(name);
      await timeUntil(async () => (await client.listTasks({})).length === 0, 60_000, 50).catch(
        () => undefined,
      );
      return s;
    };
    const plain = [];
    const mounted = [];
    await timed('warmup', true);
    for (let i = 0; i < ROUNDS; i++) {
      plain.push(await timed(`plain${i}`, false));
      mounted.push(await timed(`files${i}`, true));
      console.log(
        `round ${i + 1}: without ${plain.at(-1).toFixed(2)} s, with 3 secrets + 1 config ${mounted.at(-1).toFixed(2)} s`,
      );
    }
    const a = median(plain);
    const b = median(mounted);
    console.log(`\n${REPLICAS} replicas to running, median of ${ROUNDS}:`);
    console.log(`  without secrets/configs        ${a.toFixed(2)} s`);
    console.log(`  with 3 secrets + 1 config      ${b.toFixed(2)} s`);
    console.log(
      `  added per task                 ${(((b - a) / REPLICAS) * 1000).toFixed(1)} ms (${((b / a - 1) * 100).toFixed(0)} %)`,
    );
  } finally {
    await stop();
  }
}

await main();
