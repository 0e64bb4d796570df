import { mkdir, open as openFile, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PayloadCipher } from '@swarmlet/raft';
import {
  newDataKey,
  open,
  seal,
  unwrapDataKey,
  wrapDataKey,
  type WrappedKey,
} from '@swarmlet/secrets';

/**
 * The manager's data encryption key (DEK), as Docker Swarm's: every Raft entry and snapshot this
 * manager writes to disk is sealed with it (AES-256-GCM), so secret values never sit on disk in
 * the clear. Each manager has its own; replication between managers goes over mutual TLS. The
 * key lives in `<data-dir>/keys/dek.json`, wrapped with the unlock key when the cluster is
 * autolocked (then a restarted manager needs `swarmlet unlock` before it can read its log).
 */
export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

function dekFile(dataDir: string): string {
  return join(keysDir(dataDir), 'dek.json');
}

/** The DEK, created (unlocked) on first use. Locked and no/wrong unlock key: a clear error. */
export async function loadDataKey(dataDir: string, unlockKey?: string): Promise<Buffer> {
  let text: string | undefined;
  try {
    text = await readFile(dekFile(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) return unwrapDataKey(JSON.parse(text) as WrappedKey, unlockKey);
  const dek = newDataKey();
  await saveDataKey(dataDir, dek, undefined);
  return dek;
}

/** Whether the data key is wrapped with an unlock key (autolock): a restart needs `unlock`. */
export async function isLocked(dataDir: string): Promise<boolean> {
  try {
    return (JSON.parse(await readFile(dekFile(dataDir), 'utf8')) as WrappedKey).locked === true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Writes the DEK, wrapped with `unlockKey` when given (autolock), mode 0600. */
export async function saveDataKey(
  dataDir: string,
  dek: Buffer,
  unlockKey: string | undefined,
): Promise<void> {
  await mkdir(keysDir(dataDir), { recursive: true, mode: 0o700 });
  // Durable before the first sealed write: losing the key would lose the log.
  const path = dekFile(dataDir);
  const f = await openFile(`${path}.tmp`, 'w', 0o600);
  try {
    await f.writeFile(JSON.stringify(wrapDataKey(dek, unlockKey)));
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(`${path}.tmp`, path);
  const dir = await openFile(keysDir(dataDir), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export async function clearDataKey(dataDir: string): Promise<void> {
  await rm(keysDir(dataDir), { recursive: true, force: true });
}

const AAD = Buffer.from('swarmlet raft payload v1');

/** What FileStorage seals entry and snapshot payloads with. */
export function raftCipher(dek: Buffer): PayloadCipher {
  return {
    seal: (plain) => seal(dek, Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength), AAD),
    open: (sealed) =>
      open(dek, Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength), AAD),
  };
}
