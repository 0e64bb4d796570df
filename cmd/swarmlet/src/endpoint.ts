import type { ClientTls, Endpoint } from '@swarmlet/client';
import { invalidFlag, messageOf, UsageError } from './errors.js';
import { checkServerIsManager } from './tls.js';

/** Where the CLI looks for the local daemon when neither --socket nor SWARMLET_SOCKET is set. */
export const DEFAULT_SOCKET = '/var/run/swarmlet.sock';

/** The cluster port, where managers serve the API over HTTPS (Swarm uses 2377). */
export const CLUSTER_PORT = 4242;

/** Global connection options, after commander parsing. */
export interface ConnectionFlags {
  host?: string;
  socket?: string;
  token?: string;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

/** Reads a file as UTF-8 (`fs.readFileSync` in production, a map in tests); throws if it can't. */
export type ReadFile = (path: string) => string;

type Env = Record<string, string | undefined>;

/**
 * Picks the daemon endpoint. Precedence: `--host`, `SWARMLET_HOST`, `--socket`,
 * `SWARMLET_SOCKET`, then `/var/run/swarmlet.sock`. Hosts may be `unix:///path`,
 * `https://host[:port]`, `tcp://host[:port]` or `host[:port]` (both HTTPS, port 4242 by
 * default), or `http://host:port` (a plain-HTTP loopback listener). For HTTPS hosts it adds the
 * bearer token and TLS material (`--token`, `--tlscacert`, `--tlscert`/`--tlskey` or their
 * environment variables), reading PEM files with `readFile`; other endpoints ignore them.
 * Throws `UsageError` for a bad host or an unreadable file.
 */
export function resolveEndpoint(flags: ConnectionFlags, env: Env, readFile: ReadFile): Endpoint {
  const host = setting(flags.host, env['SWARMLET_HOST']);
  if (host !== undefined) {
    const url = hostUrl(host);
    if (typeof url !== 'string') return url;
    if (!url.startsWith('https:')) return { url };
    return { url, ...httpsAuth(flags, env, readFile) };
  }
  return { socketPath: setting(flags.socket, env['SWARMLET_SOCKET']) ?? DEFAULT_SOCKET };
}

/** The flag's value, else the environment's; empty strings count as unset. */
function setting(flag: string | undefined, env: string | undefined): string | undefined {
  const value = flag ?? env;
  return value === undefined || value === '' ? undefined : value;
}

function hostUrl(host: string): string | { socketPath: string } {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const scheme = /^[a-z]+:\/\//.exec(host)?.[0];
  if (scheme !== undefined && !['tcp://', 'http://', 'https://'].includes(scheme)) {
    throw invalidFlag('--host', host, 'use unix://, tcp://, https:// or http://');
  }
  const explicit = scheme === 'http://' || scheme === 'https://';
  const rest = scheme === undefined ? host : host.slice(scheme.length);
  let url: URL;
  try {
    url = new URL(`${explicit ? scheme : 'https://'}${rest}`);
  } catch {
    throw invalidFlag('--host', host, 'not a URL');
  }
  if (!explicit && url.port === '') url.port = String(CLUSTER_PORT);
  return url.origin;
}

function httpsAuth(
  flags: ConnectionFlags,
  env: Env,
  readFile: ReadFile,
): { tls?: ClientTls; token?: string } {
  const pem = (flag: string, envName: string, value: string | undefined): string | undefined => {
    const path = setting(value, env[envName]);
    return path === undefined
      ? undefined
      : readPem(value === undefined ? envName : flag, path, readFile);
  };
  const ca = pem('--tlscacert', 'SWARMLET_TLS_CA', flags.tlscacert);
  const cert = pem('--tlscert', 'SWARMLET_TLS_CERT', flags.tlscert);
  const key = pem('--tlskey', 'SWARMLET_TLS_KEY', flags.tlskey);
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError('--tlscert and --tlskey must be given together');
  }
  const tls: ClientTls = {
    ...(ca !== undefined && { ca, checkServerIdentity: checkServerIsManager }),
    ...(cert !== undefined && key !== undefined && { cert, key }),
  };
  const token = setting(flags.token, env['SWARMLET_TOKEN'])?.trim();
  return {
    ...(Object.keys(tls).length > 0 && { tls }),
    ...(token !== undefined && token !== '' && { token }),
  };
}

function readPem(source: string, path: string, readFile: ReadFile): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw invalidFlag(source, path, messageOf(err));
  }
  if (!text.includes('-----BEGIN ')) throw invalidFlag(source, path, 'not a PEM file');
  return text;
}
