import { buildApi } from '@swarmlet/api';
import { FakeControlApi, type FakeControlOptions } from '@swarmlet/api/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../io.js';
import { run } from '../program.js';

/** A real REST API over a FakeControlApi, listening on a temporary unix socket. */
export interface TestDaemon {
  fake: FakeControlApi;
  socket: string;
  close(): Promise<void>;
}

/** Starts a test daemon; `close()` stops it and removes its directory. */
export async function startDaemon(
  opts: FakeControlOptions = { autoAdvance: true },
): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlet-cli-'));
  const fake = new FakeControlApi(opts);
  const app = buildApi({ control: fake });
  const socket = join(dir, 'swarmlet.sock');
  await app.listen({ path: socket });
  return {
    fake,
    socket,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
  };
  const code = await run(['node', 'swarmlet', ...args], io);
  return { code, stdout, stderr };
}
