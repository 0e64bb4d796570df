import * as http from 'node:http';
import { NotLeaderError, RaftNodeError } from '../errors.js';
import type { RaftNode } from '../raft-node.js';
import { encodePut, type KvStateMachine } from './kv-state.js';

/** How the HTTP API reaches the node, its state and its peers' HTTP addresses. */
export interface KvApiDeps {
  node: RaftNode<number>;
  sm: KvStateMachine;
  /** Peer id → `host:port` of that peer's HTTP API, for leader hints. */
  httpPeers: Record<string, string>;
  /** Storage counters reported by `/status` (fsynced batches and entries). */
  storageStats?: { saves: number; entries: number };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendError(res: http.ServerResponse, deps: KvApiDeps, err: unknown): void {
  if (err instanceof NotLeaderError) {
    return json(res, 421, {
      error: err.code,
      leader: err.leader,
      leaderHttp: deps.httpPeers[err.leader] ?? '',
    });
  }
  if (err instanceof RaftNodeError)
    return json(res, 503, { error: err.code, message: err.message });
  json(res, 500, { error: 'internal', message: String(err) });
}

async function handle(
  deps: KvApiDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/status') {
    const { node } = deps;
    return json(res, 200, {
      leader: node.leader,
      isLeader: node.isLeader,
      applied: node.appliedIndex,
      storage: deps.storageStats,
      snapshots: node.counters,
    });
  }
  if (url.pathname === '/dump') {
    const out: Record<string, string> = {};
    for (const [k, v] of [...deps.sm.data].sort(([a], [b]) => (a < b ? -1 : 1)))
      out[k] = Buffer.from(v).toString();
    return json(res, 200, { applied: deps.node.appliedIndex, data: out });
  }
  const m = /^\/kv\/(.+)$/.exec(url.pathname);
  if (m === null || m[1] === undefined) return json(res, 404, { error: 'not-found' });
  const key = decodeURIComponent(m[1]);
  if (req.method === 'PUT') {
    const value = await readBody(req);
    const index = await deps.node.propose(encodePut({ key, value }));
    return json(res, 200, { index });
  }
  if (req.method === 'GET') {
    if (url.searchParams.get('stale') !== '1') await deps.node.readIndex();
    const v = deps.sm.get(key);
    if (v === undefined) return json(res, 404, { error: 'not-found' });
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': v.byteLength,
    });
    res.end(v);
    return;
  }
  json(res, 405, { error: 'method-not-allowed' });
}

/**
 * The example KV service's HTTP API: `PUT /kv/:key` (body = value) answers
 * 200 `{index}` once the write is applied; `GET /kv/:key` reads after a
 * ReadIndex round (add `?stale=1` to skip it); `GET /status`; `GET /dump`
 * (every key, values as UTF-8, for tests). A follower
 * answers 421 with the leader's id and HTTP address; an ambiguous write
 * (leadership lost) answers 503.
 */
export function createKvServer(deps: KvApiDeps): http.Server {
  return http.createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => sendError(res, deps, err));
  });
}
