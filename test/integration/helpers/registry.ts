import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerEndpoint, TEST_IMAGE } from './docker.js';

/** Debian's distribution v2 registry (package `docker-registry`). */
export const REGISTRY_BINARY = '/usr/bin/docker-registry';
/** bcrypt htpasswd files (package `apache2-utils`). */
export const HTPASSWD_BINARY = '/usr/bin/htpasswd';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const APT_TIMEOUT_MS = 180_000;
const DOCKER_CLI_TIMEOUT_MS = 60_000;
/** Keep this much of the registry's log, for the error when it fails to start. */
const LOG_LIMIT = 8_000;

export interface RegistryUser {
  user: string;
  password: string;
}

export interface StartRegistryOptions {
  /** Require HTTP basic auth (htpasswd, bcrypt) for every request, as this one user. */
  auth?: RegistryUser;
  /**
   * IPv4 address to listen on (default 127.0.0.1): e.g. the compose network's gateway, so the
   * test cluster's inner engines reach it.
   */
  host?: string;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`: the registry host of its images (`<addr>/<name>:<tag>`). */
  addr: string;
  /** Ends the registry process (SIGTERM, SIGKILL after 5 s) and removes its storage. Idempotent. */
  stop(): Promise<void>;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs `file` with `args` (stdin from `input`), bounded by `timeoutMs`; rejects with its stderr. */
function run(
  file: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        env: options.env,
        timeout: options.timeoutMs ?? DOCKER_CLI_TIMEOUT_MS,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        if (err === null) resolve({ stdout, stderr });
        else reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      },
    );
    // A command that exits without reading stdin must not crash the test with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/** Installs the Debian package providing `binary` when it is missing (as root, with apt). */
async function ensureInstalled(binary: string, pkg: string): Promise<void> {
  if (existsSync(binary)) return;
  await run('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeoutMs: APT_TIMEOUT_MS,
  }).catch((err: unknown) => {
    throw new Error(`${binary} is missing and apt-get could not install ${pkg}: ${String(err)}`);
  });
}

/** A bcrypt htpasswd line for `user`; the password goes through stdin, not the command line. */
async function htpasswdLine(user: RegistryUser): Promise<string> {
  await ensureInstalled(HTPASSWD_BINARY, 'apache2-utils');
  const { stdout } = await run(HTPASSWD_BINARY, ['-niB', user.user], { input: user.password });
  return stdout.trim();
}

/** The registry's configuration: loopback on an OS-chosen port, filesystem storage in `dir`. */
function registryConfig(dir: string, withAuth: boolean, host: string): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: ${host}:0`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (withAuth) {
    lines.push(
      'auth:',
      '  htpasswd:',
      '    realm: swarmlet-test',
      `    path: ${join(dir, 'htpasswd')}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The environment without `REGISTRY_*`, which would override the config file. */
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')),
  );
}

/** Resolves with the address from the "listening on 127.0.0.1:PORT" line; rejects on exit or timeout. */
function awaitListening(child: ChildProcess, log: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`registry did not listen within ${START_TIMEOUT_MS} ms: ${log.text}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      log.text = (log.text + chunk.toString()).slice(-LOG_LIMIT);
      const addr = /listening on (\d+\.\d+\.\d+\.\d+:\d+)/.exec(log.text)?.[1];
      if (addr !== undefined) done(undefined, addr);
    };
    const onExit = (code: number | null, signal: string | null): void =>
      done(new Error(`registry exited (${code ?? signal}) before listening: ${log.text}`));
    const onError = (err: Error): void => done(err);
    const done = (err: Error | undefined, addr?: string): void => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      if (addr !== undefined) resolve(addr);
      else reject(err ?? new Error('registry failed to start'));
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** Ends `child` by its PID: SIGTERM, then SIGKILL when it has not exited within 5 s. */
async function endProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
  });
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late && child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
}

/**
 * Starts Debian's `docker-registry` (distribution v2, plain HTTP) as a child process on
 * 127.0.0.1 with an OS-chosen port (read back from its log, so no port race) and storage in a
 * fresh temp dir; with `auth`, every request needs that user's basic auth (a bcrypt htpasswd).
 * Installs `docker-registry` / `apache2-utils` with apt when missing.
 *
 * Docker engines allow plain HTTP to 127.0.0.0/8 registries by default ("Insecure Registries:
 * 127.0.0.0/8" in `docker info`), so no daemon configuration is needed; an engine that is not on
 * this host cannot reach the registry. On any failure the process is ended and the dir removed.
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  await ensureInstalled(REGISTRY_BINARY, 'docker-registry');
  const dir = await mkdtemp(join(tmpdir(), 'swarmlet-registry-'));
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (child !== undefined) await endProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (options.auth !== undefined)
      await writeFile(join(dir, 'htpasswd'), (await htpasswdLine(options.auth)) + '\n');
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      registryConfig(dir, options.auth !== undefined, options.host ?? '127.0.0.1'),
    );
    child = spawn(REGISTRY_BINARY, ['serve', config], {
      env: registryEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = { text: '' };
    const addr = await awaitListening(child, log);
    // Keep draining its output so a chatty registry never blocks on a full pipe.
    child.stdout?.resume();
    child.stderr?.resume();
    return { addr, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The `docker` CLI's environment: the tests' engine, and a private config dir for credentials. */
function dockerCliEnv(configDir: string): NodeJS.ProcessEnv {
  const endpoint = dockerEndpoint();
  const host = endpoint.socketPath !== undefined ? `unix://${endpoint.socketPath}` : endpoint.host;
  return {
    ...process.env,
    DOCKER_CONFIG: configDir,
    ...(host === undefined ? {} : { DOCKER_HOST: host }),
  };
}

/**
 * Pushes the test image (`swarmlet/busybox:latest`, from scripts/build-images.sh) to the registry
 * at `addr` as `<addr>/<name>:latest` and returns that reference. With `auth` it logs in first
 * (password on stdin) and out afterwards, in a temporary `DOCKER_CONFIG` dir, so `~/.docker` is
 * never read or written. The local tag is removed afterwards (also on failure), so a later pull of
 * the reference really goes to the registry.
 */
export async function pushTestImage(
  addr: string,
  name: string,
  auth?: RegistryUser,
): Promise<string> {
  const ref = `${addr}/${name}:latest`;
  const configDir = await mkdtemp(join(tmpdir(), 'swarmlet-docker-config-'));
  const env = dockerCliEnv(configDir);
  let loggedIn = false;
  try {
    await run('docker', ['tag', TEST_IMAGE, ref], { env });
    if (auth !== undefined) {
      await run('docker', ['login', '--username', auth.user, '--password-stdin', addr], {
        env,
        input: auth.password,
      });
      loggedIn = true;
    }
    await run('docker', ['push', ref], { env });
    return ref;
  } finally {
    if (loggedIn) await run('docker', ['logout', addr], { env }).catch(() => undefined);
    await run('docker', ['image', 'rm', ref], { env }).catch(() => undefined);
    await rm(configDir, { recursive: true, force: true });
  }
}
