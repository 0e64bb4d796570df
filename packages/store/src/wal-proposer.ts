import { mkdir, open, readFile, rename, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SwarmletError } from '@swarmlet/api-types';
import type { Proposal, StoreSnapshot } from './kinds.js';
import type { Proposer } from './proposer.js';
import { decodeLog, encodeRecord } from './wal-format.js';

export interface WalRecovery {
  /** The last snapshot, if any. */
  snapshot: StoreSnapshot | undefined;
  /** Proposals after the snapshot, in order. */
  proposals: Proposal[];
  /** Bytes of torn tail that were truncated. */
  truncatedBytes: number;
}

export interface WalOptions {
  /** Records between snapshots (swarmkit: 10,000). */
  snapshotInterval?: number;
}

/**
 * The single-node proposer: appends every proposal to `wal.log` and fsyncs before resolving, so
 * an acknowledged write survives SIGKILL or power loss. `compact` writes `snapshot.json`
 * atomically (write, fsync, rename, fsync dir) and then empties the log. The Raft proposer
 * replaces this class once managers replicate.
 */
export class WalProposer implements Proposer {
  private recordsSinceSnapshot: number;

  private constructor(
    private readonly dir: string,
    private fh: FileHandle,
    private readonly snapshotInterval: number,
    records: number,
  ) {
    this.recordsSinceSnapshot = records;
  }

  /** Opens (creating if needed) the log in `dir` and returns what to replay. */
  static async open(
    dir: string,
    opts: WalOptions = {},
  ): Promise<{ wal: WalProposer; recovery: WalRecovery }> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const snapshot = await readSnapshot(join(dir, 'snapshot.json'));
    const logPath = join(dir, 'wal.log');
    const buf = await readFile(logPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return Buffer.alloc(0);
      throw e;
    });
    const { payloads, validBytes } = decodeLog(buf, logPath);
    if (validBytes < buf.length) await truncate(logPath, validBytes);
    const proposals = parseProposals(payloads, snapshot?.version ?? 0, logPath);
    const fh = await open(logPath, 'a', 0o600);
    if (validBytes < buf.length) await fh.sync();
    await fsyncDir(dir);
    const wal = new WalProposer(dir, fh, opts.snapshotInterval ?? 10_000, payloads.length);
    return { wal, recovery: { snapshot, proposals, truncatedBytes: buf.length - validBytes } };
  }

  async propose(proposal: Proposal): Promise<void> {
    const record = encodeRecord(Buffer.from(JSON.stringify(proposal)));
    await this.fh.write(record);
    await this.fh.datasync();
    this.recordsSinceSnapshot++;
  }

  wantsCompaction(): boolean {
    return this.recordsSinceSnapshot >= this.snapshotInterval;
  }

  async compact(snapshot: StoreSnapshot): Promise<void> {
    const final = join(this.dir, 'snapshot.json');
    const tmp = `${final}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(snapshot));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    await fsyncDir(this.dir);
    // A crash here leaves records the snapshot already holds; replay skips them by version.
    await this.fh.truncate(0);
    await this.fh.sync();
    this.recordsSinceSnapshot = 0;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function readSnapshot(path: string): Promise<StoreSnapshot | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as StoreSnapshot;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SwarmletError('INTERNAL', `cannot read snapshot ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function parseProposals(payloads: Buffer[], after: number, file: string): Proposal[] {
  const out: Proposal[] = [];
  let expect = after + 1;
  for (const p of payloads) {
    const proposal = JSON.parse(p.toString('utf8')) as Proposal;
    if (proposal.version <= after) continue;
    if (proposal.version !== expect) {
      throw new SwarmletError(
        'INTERNAL',
        `write-ahead log ${file} skips from version ${expect - 1} to ${proposal.version}; refusing to start`,
      );
    }
    out.push(proposal);
    expect++;
  }
  return out;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
