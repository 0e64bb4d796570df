import * as https from 'node:https';
import { SwarmletError, isSwarmletError } from '@swarmlet/api-types';
import type { TlsMaterial } from '@swarmlet/ca';
import { checkServerIsManager } from './tls-check.js';

export interface NodeRequestOptions {
  /** Trust: the cluster CA, plus our certificate when we have one. Absent: no verification. */
  tls?: Partial<TlsMaterial>;
  timeoutMs?: number;
}

export interface NodeResponse<T> {
  body: T;
  /** Our side's address on the connection (what the manager sees us as). */
  localAddress: string;
}

/** One JSON request to a manager's cluster port; error bodies become `SwarmletError`s. */
export function nodeRequest<T>(
  addr: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  o: NodeRequestOptions = {},
): Promise<NodeResponse<T>> {
  const json = body === undefined ? undefined : JSON.stringify(body);
  const [host, port] = splitAddr(addr);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        method,
        path,
        agent: false,
        timeout: o.timeoutMs ?? 10_000,
        headers: json === undefined ? {} : { 'content-type': 'application/json' },
        ...(o.tls?.ca
          ? { ...o.tls, checkServerIdentity: checkServerIsManager }
          : { rejectUnauthorized: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            const e = (parsed ?? {}) as { code?: string; message?: string; details?: object };
            reject(
              new SwarmletError(
                (e.code as never) ?? 'INTERNAL',
                e.message ?? `HTTP ${status} from ${addr}`,
                e.details ? { details: e.details as Record<string, unknown> } : undefined,
              ),
            );
            return;
          }
          resolve({ body: parsed as T, localAddress: res.socket.localAddress ?? '' });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', (err) =>
      reject(
        new SwarmletError('UNAVAILABLE', `cannot reach manager ${addr}: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    req.end(json);
  });
}

/**
 * Sends to the leader: tries each address, follows UNAVAILABLE answers that name the leader's
 * address. Other errors (refusals) are final.
 */
export async function leaderRequest<T>(
  addrs: string[],
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  o: NodeRequestOptions = {},
): Promise<NodeResponse<T>> {
  let last: unknown = new SwarmletError('UNAVAILABLE', 'no manager address known');
  const queue = [...new Set(addrs)];
  for (let i = 0; i < queue.length && i < 8; i++) {
    const addr = queue[i] as string;
    try {
      return await nodeRequest<T>(addr, method, path, body, o);
    } catch (err) {
      last = err;
      if (!isSwarmletError(err, 'UNAVAILABLE')) throw err;
      const hint = err.details?.['leaderAddr'];
      if (typeof hint === 'string' && hint !== '' && !queue.slice(i + 1).includes(hint)) {
        queue.splice(i + 1, 0, hint);
      }
    }
  }
  throw last;
}

function splitAddr(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i).replace(/^\[|\]$/g, ''), Number(addr.slice(i + 1))];
}
