// Runs swarmlet's side of the convergence benchmark: a private swarmletd on a temp data dir.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwarmletClient } from '@swarmlet/client';
import { sleep, timeUntil } from './util.mjs';

const DAEMON = new URL('../../../cmd/swarmletd/dist/main.js', import.meta.url).pathname;

/**
 * A private swarmletd on a temp data dir with an initialised cluster: its client, and `stop`
 * (SIGTERM, then the dir goes). Used by the other benches too.
 */
export async function startDaemon(extraArgs = []) {
  const dir = await mkdtemp(join(tmpdir(), 'swarmlet-bench-'));
  const socket = join(dir, 's.sock');
  const args = [
    DAEMON,
    '--data-dir',
    join(dir, 'data'),
    '--socket',
    socket,
    '--log-level',
    'warn',
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const client = new SwarmletClient({ socketPath: socket });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    await sleep(100);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await timeUntil(
      async () =>
        client.info().then(
          () => true,
          () => false,
        ),
      15_000,
      20,
    );
    await client.init({});
  } catch (err) {
    await stop();
    throw err;
  }
  return { client, stop };
}

/** Starts a daemon, inits a cluster, and returns helpers to measure and clean up. */
export async function startSwarmlet(engineConcurrency) {
  const extra = engineConcurrency ? ['--engine-concurrency', String(engineConcurrency)] : [];
  if (process.env.BENCH_NO_DATA_PLANE) extra.push('--no-data-plane');
  const { client, stop } = await startDaemon(extra);
  return {
    client,
    async converge(name, replicas, image, args) {
      const t0 = performance.now();
      const existing = await client.listServices();
      if (existing.some((s) => s.spec.name === name)) await client.scaleService(name, replicas);
      else await client.createService({ name, replicas, task: { container: { image, args } } });
      await timeUntil(
        async () => {
          const tasks = await client.listTasks({ service: name, desiredState: 'running' });
          return tasks.filter((t) => t.status.state === 'running').length === replicas;
        },
        120_000,
        20,
      );
      return (performance.now() - t0) / 1000;
    },
    async cleanup(name) {
      await client.removeService(name).catch(() => undefined);
      await timeUntil(async () => (await client.listTasks({})).length === 0, 60_000, 100).catch(
        () => undefined,
      );
      await stop();
    },
  };
}
