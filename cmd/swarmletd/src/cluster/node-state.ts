import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseNodeCert, type NodeIdentity, type NodeRole, type TlsMaterial } from '@swarmlet/ca';

/** What a node keeps about its cluster membership, in `<data-dir>/cluster.json`. */
export interface Membership {
  clusterId: string;
  role: NodeRole;
  /** `host:port` other nodes reach this node's cluster port at (managers). */
  advertiseAddr: string;
  /** `host:port` the cluster port binds (managers). */
  listenAddr: string;
  /** Manager addresses this node knows, refreshed from every session. */
  managers: string[];
  /** Raft members (id → address) this manager was told when it joined Raft. */
  raftPeers?: Record<string, string>;
}

async function writeAtomic(path: string, data: string): Promise<void> {
  await writeFile(`${path}.tmp`, data, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function loadMembership(dataDir: string): Promise<Membership | undefined> {
  const raw = await readOptional(join(dataDir, 'cluster.json'));
  return raw === undefined ? undefined : (JSON.parse(raw) as Membership);
}

export async function saveMembership(dataDir: string, m: Membership): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeAtomic(join(dataDir, 'cluster.json'), JSON.stringify(m, null, 2));
}

/** Forgets the cluster: membership, certificates and Raft state (the node id stays). */
export async function clearClusterState(dataDir: string): Promise<void> {
  await rm(join(dataDir, 'cluster.json'), { force: true });
  await rm(join(dataDir, 'certs'), { recursive: true, force: true });
  await rm(join(dataDir, 'raft'), { recursive: true, force: true });
  await rm(join(dataDir, 'keys'), { recursive: true, force: true });
}

/** Raft log and snapshots of a manager. */
export function raftDir(dataDir: string): string {
  return join(dataDir, 'raft');
}

/** This node's key, certificate and the cluster CA, kept in `<data-dir>/certs` (mode 0600). */
export class NodeCerts {
  readonly identity: NodeIdentity;

  constructor(
    readonly caPem: string,
    readonly certPem: string,
    readonly keyPem: string,
  ) {
    this.identity = parseNodeCert(certPem);
  }

  tls(): TlsMaterial {
    return { ca: this.caPem, cert: this.certPem, key: this.keyPem };
  }

  static async load(dataDir: string): Promise<NodeCerts | undefined> {
    const raw = await readOptional(join(dataDir, 'certs', 'node.json'));
    if (raw === undefined) return undefined;
    const { caPem, certPem, keyPem } = JSON.parse(raw) as Record<string, string>;
    return new NodeCerts(caPem ?? '', certPem ?? '', keyPem ?? '');
  }

  /**
   * Saves key, certificate and CA as one file renamed into place, so a crash never pairs a new
   * key with an old certificate; PEM copies (ca.crt, node.crt, node.key) are for tools like curl.
   */
  async save(dataDir: string): Promise<void> {
    const dir = join(dataDir, 'certs');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { caPem, certPem, keyPem } = this;
    await writeAtomic(join(dir, 'node.json'), JSON.stringify({ caPem, certPem, keyPem }));
    await writeAtomic(join(dir, 'ca.crt'), caPem);
    await writeAtomic(join(dir, 'node.crt'), certPem);
    await writeAtomic(join(dir, 'node.key'), keyPem);
  }
}
