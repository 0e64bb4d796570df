import type { Endpoint } from '@swarmlet/client';
import { UsageError } from './errors.js';

/** Where the CLI looks for the local daemon when neither --socket nor SWARMLET_SOCKET is set. */
export const DEFAULT_SOCKET = '/var/run/swarmlet.sock';

/** Global connection options, after commander parsing. */
export interface ConnectionFlags {
  host?: string;
  socket?: string;
}

/**
 * Picks the daemon endpoint. Precedence: `--host`, `SWARMLET_HOST`, `--socket`,
 * `SWARMLET_SOCKET`, then `/var/run/swarmlet.sock`. Hosts may be `unix:///path`,
 * `tcp://host:port`, `http(s)://host:port` or `host:port`.
 */
export function resolveEndpoint(
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
): Endpoint {
  const host = flags.host ?? env['SWARMLET_HOST'];
  if (host !== undefined && host !== '') return hostEndpoint(host);
  const socket = flags.socket ?? env['SWARMLET_SOCKET'];
  return { socketPath: socket !== undefined && socket !== '' ? socket : DEFAULT_SOCKET };
}

function hostEndpoint(host: string): Endpoint {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = host.startsWith('tcp://')
    ? `http://${host.slice('tcp://'.length)}`
    : /^https?:\/\//.test(host)
      ? host
      : `http://${host}`;
  try {
    return { url: new URL(url).origin };
  } catch {
    throw new UsageError(`invalid argument "${host}" for "--host": not a URL`);
  }
}
