import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newId } from '@swarmlet/store';

/**
 * This node's identity, kept in `<data-dir>/node.json` so a restarted daemon is the same node
 * and adopts its containers. Written atomically on first start.
 */
export async function loadNodeId(dataDir: string): Promise<string> {
  const path = join(dataDir, 'node.json');
  try {
    const { nodeId } = JSON.parse(await readFile(path, 'utf8')) as { nodeId: string };
    return nodeId;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const nodeId = newId();
  await writeFile(`${path}.tmp`, JSON.stringify({ nodeId }), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
  return nodeId;
}
