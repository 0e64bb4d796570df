import type { PeerCertificate } from 'node:tls';
import { SwarmletError } from '@swarmlet/api-types';
import { Agent, type Dispatcher } from 'undici';
import { connectionError, responseError } from './errors.js';

/** PEM material for HTTPS: the CA that signs the server, and our client certificate if any. */
export interface ClientTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** Replaces the host-name check (cluster nodes dial each other by address). */
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * Where the daemon listens: its unix socket (the default for the CLI) or a URL. Over TCP the
 * API needs a client certificate (`tls.cert`/`tls.key`) or a bearer `token`.
 */
export type Endpoint =
  | { socketPath: string; headers?: Record<string, string> }
  | {
      url: string;
      tls?: ClientTls;
      token?: string;
      headers?: Record<string, string>;
      /** Give up connecting after this long (undici's default is 10 s). */
      connectTimeoutMs?: number;
    };

type Method = 'GET' | 'POST' | 'DELETE';

/** One request: path under the origin, optional query and JSON body. */
export interface CallOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
}

/**
 * JSON over HTTP/1.1 with keep-alive, over a unix socket or TCP. Owns its undici Agent;
 * `close()` releases the sockets (a CLI must call it or the process lingers on keep-alive).
 */
export class HttpTransport {
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly headers: Record<string, string>;
  /** Human-readable target for error messages (`unix:///var/run/swarmlet.sock`). */
  readonly target: string;

  constructor(
    endpoint: Endpoint,
    private readonly timeoutMs = 60_000,
  ) {
    if ('socketPath' in endpoint) {
      this.agent = new Agent({ connect: { socketPath: endpoint.socketPath } });
      this.origin = 'http://localhost';
      this.target = `unix://${endpoint.socketPath}`;
      this.headers = { ...endpoint.headers };
    } else {
      const timeout = endpoint.connectTimeoutMs;
      const connect = { ...endpoint.tls, ...(timeout === undefined ? {} : { timeout }) };
      this.agent = new Agent({ connect });
      this.origin = new URL(endpoint.url).origin;
      this.target = this.origin;
      this.headers = { ...endpoint.headers };
      if (endpoint.token) this.headers.authorization = `Bearer ${endpoint.token}`;
    }
  }

  /** Sends the request; answers the parsed JSON body, `undefined` for 204, or throws. */
  async call<T>(method: Method, path: string, opts: CallOptions = {}): Promise<T> {
    const res = await this.send(method, path + queryString(opts.query), opts.body);
    const text = await res.body.text();
    if (res.statusCode >= 400) throw responseError(res.statusCode, text);
    if (res.statusCode === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new SwarmletError('INTERNAL', `invalid JSON from the daemon: ${text.slice(0, 200)}`, {
        cause: err,
      });
    }
  }

  /**
   * Opens a streaming GET: resolves once the status is in (errors thrown as by `call`), with the
   * body as it arrives and no body timeout. Aborting `signal` closes the connection.
   */
  async open(
    path: string,
    opts: CallOptions & { signal: AbortSignal },
  ): Promise<Dispatcher.ResponseData['body']> {
    const res = await this.send('GET', path + queryString(opts.query), undefined, opts.signal);
    if (res.statusCode >= 400) throw responseError(res.statusCode, await res.body.text());
    return res.body;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async send(
    method: Method,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    try {
      return await this.agent.request({
        origin: this.origin,
        path,
        method,
        headers:
          json === undefined
            ? this.headers
            : { ...this.headers, 'content-type': 'application/json' },
        ...(json === undefined ? {} : { body: json }),
        headersTimeout: this.timeoutMs,
        // A stream (`open`) may stay quiet for as long as its reader wants.
        bodyTimeout: signal ? 0 : this.timeoutMs,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throw connectionError(err, this.target);
    }
  }
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, v);
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}
