import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwarmletClient } from '@swarmlet/client';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DAEMON_BIN = join(ROOT, 'cmd/swarmletd/dist/main.js');
export const CLI_BIN = join(ROOT, 'cmd/swarmlet/dist/main.js');

/**
 * A real swarmletd process on a private data dir and socket, for integration tests. `kill`
 * and `restart` act on the process by PID; `dispose` always stops it and removes its files.
 */
export class DaemonProcess {
  child: ChildProcess | undefined;
  readonly socket: string;
  readonly client: SwarmletClient;
  private logs = '';
  /** Extra swarmletd flags used from the next `start()` on (e.g. `--tcp`). */
  extraArgs: string[] = [];

  private constructor(readonly dir: string) {
    this.socket = join(dir, 'swarmlet.sock');
    this.client = new SwarmletClient({ socketPath: this.socket });
  }

  static async create(prefix = 'swarmlet-it-', extraArgs: string[] = []): Promise<DaemonProcess> {
    const d = new DaemonProcess(await mkdtemp(join(tmpdir(), prefix)));
    d.extraArgs = extraArgs;
    await d.start();
    return d;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        DAEMON_BIN,
        '--data-dir',
        this.dataDir,
        '--socket',
        this.socket,
        '--log-level',
        'debug',
        ...this.extraArgs,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.logs += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.logs += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await this.client.info();
        return;
      } catch (err) {
        if (child.exitCode !== null)
          throw new Error(`swarmletd exited with ${child.exitCode}:\n${this.logs.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`swarmletd did not answer: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Sends `signal` and waits for the process to exit; resolves with the time it took. */
  async kill(signal: NodeJS.Signals): Promise<number> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return 0;
    const t0 = Date.now();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    return Date.now() - t0;
  }

  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }

  /** The daemon's log so far (to attach to failures). */
  async log(): Promise<string> {
    return this.logs;
  }

  async dispose(): Promise<void> {
    await this.kill('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Runs the CLI and resolves with its stdout; throws with the command and output on failure. */
  async cliOk(args: string[], timeoutMs = 60_000): Promise<string> {
    const r = await this.cli(args, timeoutMs);
    if (r.code !== 0)
      throw new Error(`swarmlet ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /**
   * `swarmlet init` with 1 s heartbeats, the address pool `pool` and the cluster port on a free
   * loopback port (another daemon on this machine may hold the default 4242); returns the
   * node's id.
   */
  async initCluster(pool: string, extra: string[] = []): Promise<string> {
    const listen = `127.0.0.1:${await freePort()}`;
    await this.cliOk([
      'init',
      '--heartbeat-period',
      '1s',
      '--default-addr-pool',
      pool,
      '--listen-addr',
      listen,
      '--advertise-addr',
      listen,
      ...extra,
    ]);
    return (await this.client.info()).nodeId;
  }

  /** Runs the CLI with `input` on its standard input (e.g. `unlock`). Never throws. */
  cliWithInput(
    args: string[],
    input: string,
    timeoutMs = 60_000,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return this.cli(args, timeoutMs, input);
  }

  /** Runs the CLI against this daemon. Never throws: returns exit code and output. */
  cli(
    args: string[],
    timeoutMs = 60_000,
    input?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [CLI_BIN, '--socket', this.socket, ...args],
        { timeout: timeoutMs, env: cliEnv() },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function fileText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** The test's environment without variables that would point the CLI at another daemon. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['SWARMLET_HOST'];
  delete env['SWARMLET_SOCKET'];
  return env;
}
