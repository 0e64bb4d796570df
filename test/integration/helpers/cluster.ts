import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Info } from '@swarmlet/api-types';
import { SwarmletClient } from '@swarmlet/client';
import { DaemonProcess } from './daemon.js';

/** Fast heartbeats so DOWN detection takes 1.5 s instead of 15 s. */
export const HEARTBEAT_MS = 500;

/** One swarmletd of a loopback cluster: its cluster port is `127.0.0.1:<port>`. */
export interface Member {
  d: DaemonProcess;
  port: number;
  addr: string;
}

/**
 * Several real swarmletd processes on loopback sharing the local Docker engine, each its own
 * node (own data dir, node id and cluster port). `dispose` kills every process by PID and
 * removes their containers.
 */
export class LoopbackCluster {
  readonly members: Member[] = [];

  constructor(private readonly basePort: number) {}

  async add(): Promise<Member> {
    const d = await DaemonProcess.create('swarmlet-cl-', [
      '--heartbeat-period-ms',
      String(HEARTBEAT_MS),
      // Several daemons share this machine's engine: overlays would collide (the compose
      // suite gives each node its own engine and tests the data plane).
      '--no-data-plane',
    ]);
    const port = this.basePort + this.members.length;
    const m = { d, port, addr: `127.0.0.1:${port}` };
    this.members.push(m);
    return m;
  }

  async init(m: Member, extra: Record<string, unknown> = {}): Promise<void> {
    await m.d.client.init({ advertiseAddr: m.addr, listenAddr: m.addr, ...extra });
  }

  async join(m: Member, via: Member, role: 'worker' | 'manager'): Promise<void> {
    const tokens = await via.d.client.joinTokens();
    await m.d.client.join({
      token: tokens[role],
      remoteAddr: via.addr,
      advertiseAddr: m.addr,
      listenAddr: m.addr,
    });
  }

  /** The member whose daemon says it leads (among those running). */
  async leader(timeoutMs = 10_000): Promise<Member> {
    let found: Member | undefined;
    await waitFor(async () => {
      for (const m of this.running()) {
        const info = await m.d.client.info().catch(() => undefined);
        if (info?.isLeader) {
          found = m;
          return true;
        }
      }
      return false;
    }, timeoutMs);
    return found as Member;
  }

  running(): Member[] {
    return this.members.filter((m) => m.d.child?.exitCode === null && !m.d.child.signalCode);
  }

  /** An API client over the cluster port, with a bearer token or a node's certificate. */
  async tcpClient(m: Member, auth: { token?: string; certsOf?: Member }): Promise<SwarmletClient> {
    const certDir = (x: Member): string => join(x.d.dataDir, 'certs');
    const ca = await readFile(join(certDir(m), 'ca.crt'), 'utf8');
    const tls: { ca: string; cert?: string; key?: string } = { ca };
    if (auth.certsOf) {
      tls.cert = await readFile(join(certDir(auth.certsOf), 'node.crt'), 'utf8');
      tls.key = await readFile(join(certDir(auth.certsOf), 'node.key'), 'utf8');
    }
    return new SwarmletClient({
      url: `https://${m.addr}`,
      tls: { ...tls, checkServerIdentity: () => undefined },
      ...(auth.token ? { token: auth.token } : {}),
    });
  }

  async info(m: Member): Promise<Info> {
    return m.d.client.info();
  }

  async dispose(): Promise<void> {
    for (const m of this.members) {
      const nodeId = await readFile(join(m.d.dataDir, 'node.json'), 'utf8').then(
        (t) => (JSON.parse(t) as { nodeId: string }).nodeId,
        () => '',
      );
      await m.d.dispose();
      if (nodeId) await removeNodeContainers(nodeId);
    }
  }
}

async function removeNodeContainers(nodeId: string): Promise<void> {
  const { execFile } = await import('node:child_process');
  const run = (args: string[]): Promise<string> =>
    new Promise((resolve) =>
      execFile('docker', args, (_e, out) => resolve(typeof out === 'string' ? out : '')),
    );
  const ids = (await run(['ps', '-aq', '--filter', `label=io.swarmlet.node.id=${nodeId}`]))
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) await run(['rm', '-f', ...ids]);
}

/** Polls `cond` every 100 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
