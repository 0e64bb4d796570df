// Runs Docker Swarm's side of the convergence benchmark on the same engine.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { timeUntil } from './util.mjs';

const run = promisify(execFile);
const docker = (...args) => run('docker', args, { maxBuffer: 16 * 1024 * 1024 });

/** Puts the local engine in swarm mode (only if it is not already: then we refuse to touch it). */
export async function startSwarm() {
  const { stdout } = await docker('info', '--format', '{{.Swarm.LocalNodeState}}');
  if (stdout.trim() !== 'inactive')
    throw new Error(`the engine is already in swarm state "${stdout.trim()}"; not touching it`);
  await docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
  return {
    async converge(name, replicas, image, args) {
      const t0 = performance.now();
      const { stdout: ls } = await docker('service', 'ls', '--filter', `name=${name}`, '-q');
      if (ls.trim()) await docker('service', 'scale', '--detach', `${name}=${replicas}`);
      else
        await docker(
          'service',
          'create',
          '--detach',
          '--name',
          name,
          '--replicas',
          String(replicas),
          image,
          ...args,
        );
      await timeUntil(async () => (await runningTasks(name)) === replicas, 180_000, 20);
      return (performance.now() - t0) / 1000;
    },
    async cleanup(name) {
      await docker('service', 'rm', name).catch(() => undefined);
      await docker('swarm', 'leave', '--force').catch(() => undefined);
    },
  };
}

/**
 * Running tasks of a service, read from the engine API (GET /tasks) in-process, like swarmlet's
 * side polls its API: spawning a `curl` per poll would load the machine during Swarm rounds only.
 */
function runningTasks(name) {
  const filters = encodeURIComponent(
    JSON.stringify({ service: [name], 'desired-state': ['running'] }),
  );
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: '/var/run/docker.sock', path: `/v1.41/tasks?filters=${filters}` },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body).filter((t) => t.Status?.State === 'running').length);
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
