import { buildApi, type ApiDeps } from '@swarmlet/api';
import { FakeControlApi, type FakeControlOptions } from '@swarmlet/api/testing';
import type { Info } from '@swarmlet/api-types';
import { SwarmletError } from '@swarmlet/api-types';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { CliIo } from '../io.js';
import { run } from '../program.js';
import { FakeSwarm } from './fake-swarm.js';

/** Options of a test daemon. */
export interface TestDaemonOptions extends FakeControlOptions {
  /**
   * Fields merged into the fake's `info()`. Default: the node is the leader, at 10.0.0.1:4242
   * (what a real manager reports and the fake control API does not).
   */
  info?: Partial<Info>;
}

/** A real REST API over a FakeControlApi and a FakeSwarm. */
export interface TestDaemon {
  fake: FakeControlApi;
  swarm: FakeSwarm;
  /** The unix socket (startDaemon), or '' (startHttpsDaemon). */
  socket: string;
  /** `https://127.0.0.1:PORT` (startHttpsDaemon), or '' (startDaemon). */
  url: string;
  close(): Promise<void>;
}

function fakes(opts: TestDaemonOptions): { fake: FakeControlApi; swarm: FakeSwarm } {
  const fake = new FakeControlApi(opts);
  const extra: Partial<Info> = opts.info ?? {
    addr: '10.0.0.1:4242',
    leader: fake.nodes[0]?.id ?? '',
    isLeader: true,
    managerAddrs: ['10.0.0.1:4242'],
  };
  const info = fake.info.bind(fake);
  fake.info = async () => ({ ...(await info()), ...extra });
  return { fake, swarm: new FakeSwarm() };
}

/** Starts a test daemon on a temporary unix socket; `close()` stops it and removes its directory. */
export async function startDaemon(
  opts: TestDaemonOptions = { autoAdvance: true },
): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlet-cli-'));
  const { fake, swarm } = fakes(opts);
  const app = buildApi({ control: fake, swarm });
  const socket = join(dir, 'swarmlet.sock');
  await app.listen({ path: socket });
  return {
    fake,
    swarm,
    socket,
    url: '',
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How the HTTPS test daemon authenticates: its certificate, the client CA, the bearer token. */
export interface HttpsOptions {
  cert: string;
  key: string;
  /** Client certificates signed by this CA are accepted instead of the token. */
  clientCa: string;
  token: string;
}

/** Like the daemon's cluster port: a verified client certificate, or the bearer token. */
function authorizer(token: string): NonNullable<ApiDeps['authorize']> {
  return (req) => {
    if ((req.raw.socket as TLSSocket).authorized) return;
    if (req.headers.authorization === `Bearer ${token}`) return;
    throw new SwarmletError('UNAUTHORIZED', 'authentication required');
  };
}

/** Starts a test daemon serving HTTPS on 127.0.0.1 (a random port), like a manager's API. */
export async function startHttpsDaemon(
  https: HttpsOptions,
  opts: TestDaemonOptions = {},
): Promise<TestDaemon> {
  const { fake, swarm } = fakes(opts);
  const app = buildApi({
    control: fake,
    swarm,
    https: { ...https, ca: https.clientCa, requestCert: true, rejectUnauthorized: false },
    authorize: authorizer(https.token),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { fake, swarm, socket: '', url: `https://127.0.0.1:${port}`, close: () => app.close() };
}

/** What one in-process CLI run printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `swarmlet <args>` in-process against `socket`, capturing output (not a TTY by default). */
export async function runCli(
  socket: string,
  args: string[],
  extra: Partial<CliIo> & { tty?: boolean } = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s) => void (stdout += s), isTTY: extra.tty ?? false, columns: 120 },
    stderr: { write: (s) => void (stderr += s) },
    env: { SWARMLET_SOCKET: socket, ...extra.env },
    pollMs: 5,
    ...(extra.signal ? { signal: extra.signal } : {}),
    ...(extra.readFile ? { readFile: extra.readFile } : {}),
  };
  const code = await run(['node', 'swarmlet', ...args], io);
  return { code, stdout, stderr };
}
