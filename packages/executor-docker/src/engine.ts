import Docker from 'dockerode';
import type { DockerOptions } from 'dockerode';
import { toExecutorError } from './errors.js';

/** Where the engine listens. Neither set: `DOCKER_HOST`, else /var/run/docker.sock (docker-modem's defaults). */
export interface EngineEndpoint {
  /** Path of the engine's unix socket, e.g. /var/run/docker.sock. */
  socketPath?: string;
  /** A `DOCKER_HOST`-style address: `unix:///path.sock`, `tcp://host:port` or `http://host:port`. */
  host?: string;
}

/**
 * Highest API version this package asks for. Its request bodies are unchanged from 1.41 (the
 * Debian 20.10 engine it is tested against) through 1.47, and Docker 29 refuses versions below 1.44.
 */
export const MAX_API_VERSION = '1.47';

/** dockerode options for an endpoint, without the API version. */
export function dockerOptions(endpoint: EngineEndpoint): DockerOptions {
  if (endpoint.socketPath !== undefined) return { socketPath: endpoint.socketPath };
  const host = endpoint.host;
  if (host === undefined || host === '') return {};
  if (host.startsWith('/')) return { socketPath: host };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port === '' ? (protocol === 'https' ? 2376 : 2375) : Number(url.port);
  return { protocol, host: url.hostname, port };
}

function parseVersion(v: string): [number, number] {
  const [major, minor] = v.split('.').map((part) => Number.parseInt(part, 10));
  return [major ?? 0, minor ?? 0];
}

/** Negative when a < b, as for `Array.sort`. */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor, aMinor] = parseVersion(a);
  const [bMajor, bMinor] = parseVersion(b);
  return aMajor - bMajor || aMinor - bMinor;
}

/** The version both sides speak: the engine's own, capped at `MAX_API_VERSION` (as the docker CLI negotiates). */
export function negotiateApiVersion(engineApiVersion: string | undefined): string {
  if (engineApiVersion === undefined || engineApiVersion === '') return MAX_API_VERSION;
  return compareApiVersions(engineApiVersion, MAX_API_VERSION) < 0
    ? engineApiVersion
    : MAX_API_VERSION;
}

/**
 * A lazily negotiated dockerode client. The first `get()` asks the engine's unversioned
 * `/version` and pins the API version; a failed attempt is forgotten so the next call retries
 * (the engine may simply not be up yet).
 */
export class EngineConnection {
  private client: Promise<Docker> | undefined;

  constructor(
    private readonly endpoint: EngineEndpoint,
    /** Skip negotiation and use this version, e.g. `'1.41'`. */
    private readonly apiVersion?: string,
  ) {}

  /** The negotiated client; rejects with a temporary `runtime` ExecutorError when the engine is unreachable. */
  get(): Promise<Docker> {
    this.client ??= this.connect().catch((err: unknown) => {
      this.client = undefined;
      throw toExecutorError('runtime', err);
    });
    return this.client;
  }

  private async connect(): Promise<Docker> {
    const options = dockerOptions(this.endpoint);
    let version = this.apiVersion;
    if (version === undefined) {
      const info = await new Docker(options).version();
      version = negotiateApiVersion(info.ApiVersion);
    }
    return new Docker({ ...options, version: `v${version.replace(/^v/, '')}` });
  }
}
