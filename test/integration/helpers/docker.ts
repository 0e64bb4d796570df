import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { EngineConnection, type EngineEndpoint } from '@swarmlet/executor-docker';

/** The busybox test image built by scripts/build-images.sh. */
export const TEST_IMAGE = 'swarmlet/busybox:latest';
/** busybox httpd on port 80 replying "hello from <service>.<slot> (task <id>, container <host>)". */
export const DEMO_IMAGE = 'swarmlet/demo-web:latest';
/** Put on every container a test creates (value: the run id), so cleanup finds exactly those. */
export const TEST_RUN_LABEL = 'io.swarmlet.test.run';

/** A unique id for one test file's run, usable in container names and label values. */
export function testRunId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The engine integration tests use: SWARMLET_DOCKER_HOST, else DOCKER_HOST, else the default socket. */
export function dockerEndpoint(): EngineEndpoint {
  const host = process.env['SWARMLET_DOCKER_HOST'] ?? process.env['DOCKER_HOST'];
  return host === undefined || host === '' ? { socketPath: '/var/run/docker.sock' } : { host };
}

/** A dockerode client with the API version negotiated; fails with what to run when no engine answers. */
export async function dockerClient(endpoint: EngineEndpoint = dockerEndpoint()): Promise<Docker> {
  const docker = await new EngineConnection(endpoint).get().catch((err: unknown) => {
    throw new Error(
      `No Docker engine answers (${describeEndpoint(endpoint)}): run scripts/ensure-docker.sh first. ${String(err)}`,
    );
  });
  await docker.ping();
  return docker;
}

function describeEndpoint(endpoint: EngineEndpoint): string {
  return endpoint.host ?? endpoint.socketPath ?? 'default socket';
}

/** Fails with the command to run when `image` is not in the engine (no registry can provide it). */
export async function requireImage(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
  } catch {
    throw new Error(
      `Image ${image} is missing: run scripts/build-images.sh (it builds the test images without a registry).`,
    );
  }
}

/**
 * Force-removes every container (any state) carrying `label` (with `value` when given). Returns how
 * many were removed. Use in afterEach/afterAll so failing tests leave nothing behind.
 */
export async function removeContainersByLabel(
  docker: Docker,
  label: string,
  value?: string,
): Promise<number> {
  const filter = value === undefined ? label : `${label}=${value}`;
  const containers = await docker.listContainers({ all: true, filters: { label: [filter] } });
  const results = await Promise.allSettled(
    containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })),
  );
  const failed = results.filter((r) => r.status === 'rejected' && !isNotFound(r.reason));
  if (failed.length > 0)
    throw new Error(`could not remove ${failed.length} containers labelled ${filter}`);
  return containers.length;
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'statusCode' in err && err.statusCode === 404;
}

export interface WaitUntilOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** Default 100 ms. */
  intervalMs?: number;
  /** Names what was awaited in the timeout error. */
  message?: string;
}

/**
 * Polls `probe` until it returns a value other than undefined/false (thrown errors count as "not
 * yet") and returns that value; on timeout rejects with `message` and the last error seen.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitUntilOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 100, message = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The container's address on `network` (default: its first network with one), to reach its ports from the host. */
export async function containerIp(
  docker: Docker,
  containerId: string,
  network?: string,
): Promise<string> {
  const { Networks } = (await docker.getContainer(containerId).inspect()).NetworkSettings;
  const candidates = network === undefined ? Object.values(Networks) : [Networks[network]];
  const ip = candidates.find((n) => n !== undefined && n.IPAddress !== '')?.IPAddress;
  if (ip === undefined)
    throw new Error(
      `container ${containerId} has no address${network === undefined ? '' : ` on ${network}`}`,
    );
  return ip;
}

/**
 * Removes the overlay networks (docker bridge networks labelled by the data plane) whose subnet
 * starts with `subnetPrefix`, with any container still on them and their VXLAN devices: the
 * clean-up of a test whose daemon died before `leave --force` could tear them down.
 */
export async function removeOverlays(docker: Docker, subnetPrefix: string): Promise<void> {
  const nets = await docker.listNetworks({ filters: { label: ['io.swarmlet.overlay'] } });
  for (const n of nets) {
    if (!n.IPAM?.Config?.some((c) => c.Subnet?.startsWith(subnetPrefix))) continue;
    const info = await docker.getNetwork(n.Id).inspect();
    for (const id of Object.keys(info.Containers ?? {}))
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
    const bridge = n.Options?.['com.docker.network.bridge.name'];
    if (bridge?.startsWith('swl')) {
      await new Promise<void>((resolve) =>
        execFile('ip', ['link', 'del', `vxl${bridge.slice(3)}`], () => resolve()),
      );
    }
  }
}
