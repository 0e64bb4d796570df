import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from './testing/harness.js';

// These run the built CLI as a user would (`npm run build` first): real process, real exit codes.
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let daemon: TestDaemon;

/** Runs `node dist/main.js <args>` asynchronously (the daemon lives in this process). */
function swarmlet(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    delete childEnv['SWARMLET_HOST'];
    Object.assign(childEnv, { SWARMLET_SOCKET: daemon.socket }, env);
    execFile(process.execPath, [MAIN, ...args], { env: childEnv }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build first (npx tsc -b cmd/swarmlet)`);
  daemon = await startDaemon({ autoAdvance: true });
});
afterAll(async () => daemon.close());

describe('the built swarmlet binary', () => {
  it('creates a service and prints plain progress to a pipe', async () => {
    const res = await swarmlet(['service', 'create', '--name', 'web', '--replicas', '2', 'nginx']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^[a-z0-9]{25}\noverall progress: 0 out of 2 tasks\n/);
    expect(res.stdout).toContain('overall progress: 2 out of 2 tasks\n');
    expect(res.stdout.endsWith('verify: Service converged\n')).toBe(true);
  });

  it('lists services as JSON', async () => {
    const res = await swarmlet(['service', 'ls', '--format', 'json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual([
      expect.objectContaining({ serviceStatus: { runningTasks: 2, desiredTasks: 2 } }),
    ]);
  });

  it('exits 1 naming an unknown flag', async () => {
    const res = await swarmlet(['service', 'ls', '--bogus']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("swarmlet: unknown option '--bogus'");
  });

  it('exits 1 on a bad flag value', async () => {
    const res = await swarmlet(['service', 'create', '--limit-memory', '64X', 'nginx']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `swarmlet: invalid argument "64X" for "--limit-memory": invalid size: '64X'`,
    );
  });

  it('exits 1 with a hint when the daemon is not there', async () => {
    const res = await swarmlet(['info'], { SWARMLET_SOCKET: '/nonexistent.sock' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'Error: cannot reach the swarmlet daemon at unix:///nonexistent.sock: is swarmletd running?',
    );
  });

  it('reaches the daemon through SWARMLET_HOST=unix://', async () => {
    const res = await swarmlet(['node', 'ls', '-q'], { SWARMLET_HOST: `unix://${daemon.socket}` });
    expect(res).toMatchObject({ code: 0, stderr: '' });
  });
});
