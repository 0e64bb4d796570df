// Per-stage timing of one swarmlet run (first/last time tasks reach each state) and daemon CPU.
// Usage: node test/bench/converge/stages.mjs [ENGINE_CONCURRENCY]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmletClient } from '@swarmlet/client';
const conc = process.argv[2] ?? '8';
const dir = await mkdtemp(join(tmpdir(), 'prof-'));
const socket = join(dir, 's.sock');
const child = spawn(
  process.execPath,
  [
    'cmd/swarmletd/dist/main.js',
    '--data-dir',
    join(dir, 'd'),
    '--socket',
    socket,
    '--log-level',
    'warn',
    '--engine-concurrency',
    conc,
  ],
  { stdio: 'inherit' },
);
const c = new SwarmletClient({ socketPath: socket });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (;;) {
  try {
    await c.info();
    break;
  } catch {
    await sleep(20);
  }
}
await c.init({});
const cpu = async () => {
  const s = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(s[11]) + Number(s[12])) / 100;
};
async function go(n) {
  const c0 = await cpu();
  const t0 = performance.now();
  const ex = await c.listServices();
  if (ex.length) await c.scaleService('p', n);
  else
    await c.createService({
      name: 'p',
      replicas: n,
      task: { container: { image: 'swarmlet/demo-web' } },
    });
  const seen = new Map();
  for (;;) {
    const ts = await c.listTasks({ service: 'p', desiredState: 'running' });
    const now = performance.now() - t0;
    for (const t of ts) {
      const k = t.id + t.status.state;
      if (!seen.has(k)) seen.set(k, now);
    }
    if (ts.filter((t) => t.status.state === 'running').length === n) break;
    await sleep(10);
  }
  const el = (performance.now() - t0) / 1000;
  const byState = {};
  for (const [k, v] of seen) {
    const st = k.slice(25);
    (byState[st] ??= []).push(v);
  }
  const summary = Object.entries(byState)
    .map(([s, v]) => `${s}:${Math.round(Math.min(...v))}-${Math.round(Math.max(...v))}`)
    .join(' ');
  console.log(
    `n=${n} ${el.toFixed(2)} s, daemon cpu ${((await cpu()) - c0).toFixed(2)} s | ${summary}`,
  );
}
await go(15);
await go(50);
await c.removeService('p');
for (;;) {
  if ((await c.listTasks({})).length === 0) break;
  await sleep(100);
}
child.kill('SIGTERM');
