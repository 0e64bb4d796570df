import * as http from 'node:http';

/** Result of one HTTP exchange with a KV server. */
interface Reply {
  status: number;
  body: Buffer;
}

/** Options of `KvClient`. */
export interface KvClientOptions {
  /** Give up on one put/get after this long, across retries (default 10 s). */
  deadlineMs?: number;
  /** Pause between retries after connection errors (default 20 ms). */
  retryDelayMs?: number;
}

/**
 * Client of the example KV service that finds the leader: it follows 421
 * leader hints and, on connection errors or ambiguous 503s, retries on the
 * next server. Puts are idempotent (same key, same value), so retrying an
 * ambiguous put is safe. Uses keep-alive connections.
 */
export class KvClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  private current = 0;
  private readonly deadlineMs: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly servers: string[],
    opts: KvClientOptions = {},
  ) {
    this.deadlineMs = opts.deadlineMs ?? 10_000;
    this.retryDelayMs = opts.retryDelayMs ?? 20;
  }

  /** Writes `key`; resolves with the applied log index once the leader acknowledged it. */
  async put(key: string, value: Uint8Array): Promise<number> {
    const r = await this.withLeader('PUT', `/kv/${encodeURIComponent(key)}`, value);
    return (JSON.parse(r.body.toString()) as { index: number }).index;
  }

  /** Linearizable read of `key` through the leader; undefined if absent. */
  async get(key: string): Promise<Buffer | undefined> {
    const r = await this.withLeader('GET', `/kv/${encodeURIComponent(key)}`);
    return r.status === 404 ? undefined : r.body;
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private async withLeader(method: string, path: string, body?: Uint8Array): Promise<Reply> {
    const end = Date.now() + this.deadlineMs;
    let last = 'no attempt';
    while (Date.now() < end) {
      const server = this.servers[this.current % this.servers.length] as string;
      try {
        const r = await request(this.agent, server, method, path, body);
        if (r.status === 200 || (r.status === 404 && method === 'GET')) return r;
        last = `${server}: ${r.status} ${r.body.toString()}`;
        if (r.status === 421) {
          const hint = (JSON.parse(r.body.toString()) as { leaderHttp?: string }).leaderHttp ?? '';
          const i = this.servers.indexOf(hint);
          if (i >= 0 && i !== this.current % this.servers.length) {
            this.current = i;
            continue;
          }
        }
      } catch (err) {
        last = `${server}: ${String(err)}`;
      }
      this.current++;
      await new Promise((r) => setTimeout(r, this.retryDelayMs));
    }
    throw new Error(`kv ${method} ${path} failed: ${last}`);
  }
}

function request(
  agent: http.Agent,
  server: string,
  method: string,
  path: string,
  body?: Uint8Array,
): Promise<Reply> {
  const [host, port] = server.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host, port: Number(port), method, path, timeout: 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}
