import { connect } from 'node:net';
import { mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SwarmletError } from '@swarmlet/api-types';

/**
 * Prepares a unix socket path for listening: refuses if another daemon answers on it, removes
 * a stale socket file left by a crash.
 */
export async function claimSocket(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive)
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `another daemon is already listening on ${path}`,
    );
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
