import type { ContainerInspectInfo, HealthConfig } from 'dockerode';
import type { Healthcheck } from '@swarmlet/api-types';

const NS_PER_MS = 1_000_000;

/**
 * Docker's `HealthConfig` for a spec's health check (durations in nanoseconds). Zero fields are
 * left out, so the image's HEALTHCHECK (or Docker's default) supplies them; an empty `test`
 * keeps the image's command. Undefined when the spec has no health check: the image's applies.
 */
export function healthConfig(h: Healthcheck | undefined): HealthConfig | undefined {
  if (h === undefined) return undefined;
  const out: HealthConfig = {};
  if (h.test.length > 0) out.Test = [...h.test];
  if (h.intervalMs > 0) out.Interval = h.intervalMs * NS_PER_MS;
  if (h.timeoutMs > 0) out.Timeout = h.timeoutMs * NS_PER_MS;
  if (h.retries > 0) out.Retries = h.retries;
  if (h.startPeriodMs > 0) out.StartPeriod = h.startPeriodMs * NS_PER_MS;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * True when the created container runs a health check: its effective config (the spec's merged
 * over the image's by the engine at create) has a test other than NONE.
 */
export function hasHealthcheck(info: ContainerInspectInfo): boolean {
  const test = info.Config.Healthcheck?.Test ?? [];
  return test.length > 0 && test[0] !== 'NONE';
}

/** What a container's health means for its task right now. */
export type HealthView =
  | { kind: 'none' }
  | { kind: 'starting' }
  | { kind: 'healthy' }
  | { kind: 'unhealthy'; error: string }
  | { kind: 'exited'; exitCode: number; error: string };

type HealthState = ContainerInspectInfo['State']['Health'];

/** The task error of an unhealthy container, with the last probe's output (as docker inspect shows it). */
export function unhealthyError(health: HealthState | undefined): string {
  const last = health?.Log?.[health.Log.length - 1];
  const output = (last?.Output ?? '').trim().replace(/\s+/g, ' ').slice(0, 200);
  return output === '' ? 'task: container unhealthy' : `task: container unhealthy: ${output}`;
}

/** Reads a container's health from inspect output (pure). */
export function healthView(info: ContainerInspectInfo): HealthView {
  const state = info.State;
  if (!state.Running) {
    const error = state.Error || (state.OOMKilled ? 'container was killed: out of memory' : '');
    return { kind: 'exited', exitCode: state.ExitCode, error };
  }
  if (!hasHealthcheck(info)) return { kind: 'none' };
  switch (state.Health?.Status) {
    case 'healthy':
      return { kind: 'healthy' };
    case 'unhealthy':
      return { kind: 'unhealthy', error: unhealthyError(state.Health) };
    default:
      return { kind: 'starting' };
  }
}

/** How often to poll a container's health: a fraction of its probe interval, within bounds. */
export function pollIntervalMs(
  info: ContainerInspectInfo,
  bounds: { min: number; max: number },
): number {
  const ns = info.Config.Healthcheck?.Interval ?? 0;
  // Docker's default probe interval is 30 s.
  const probeMs = ns > 0 ? ns / NS_PER_MS : 30_000;
  return Math.min(bounds.max, Math.max(bounds.min, Math.round(probeMs / 2)));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Inspects the task's container; undefined once it is gone. */
export type Inspect = () => Promise<ContainerInspectInfo | undefined>;

/** Poll bounds while a container's first health verdict is awaited, and while it runs. */
export const HEALTH_POLL = {
  starting: { min: 100, max: 1_000 },
  running: { min: 250, max: 5_000 },
} as const;

/**
 * Polls a started container until its health check gives a verdict: `none` (no health check),
 * `healthy`, `unhealthy` or `exited`. Inspect is the source of truth (an event stream can miss
 * events across reconnects). `onStarting` is called once if the first look finds it still
 * starting. Rejects with the signal's reason when aborted; throws when the container is gone.
 */
export async function waitHealthy(
  inspect: Inspect,
  signal: AbortSignal,
  onStarting?: () => void,
  bounds: { min: number; max: number } = HEALTH_POLL.starting,
): Promise<Exclude<HealthView, { kind: 'starting' }>> {
  let told = false;
  for (;;) {
    signal.throwIfAborted();
    const info = await inspect();
    if (info === undefined) throw new Error('container is gone');
    const view = healthView(info);
    if (view.kind !== 'starting') return view;
    if (!told) onStarting?.();
    told = true;
    await sleep(pollIntervalMs(info, bounds), signal);
  }
}

/**
 * Watches a running container's health until it turns unhealthy (resolves with the task error),
 * or it exits, is gone, has no health check or `signal` aborts (resolves undefined). Engine
 * errors are retried at the next poll: the container's own wait reports a lost engine.
 */
export async function watchUnhealthy(
  inspect: Inspect,
  signal: AbortSignal,
  bounds: { min: number; max: number } = HEALTH_POLL.running,
): Promise<string | undefined> {
  let interval = bounds.min;
  while (!signal.aborted) {
    const info = await inspect().catch(() => null);
    if (info === undefined) return undefined;
    if (info !== null) {
      const view = healthView(info);
      if (view.kind === 'unhealthy') return view.error;
      if (view.kind === 'none' || view.kind === 'exited') return undefined;
      interval = pollIntervalMs(info, bounds);
    }
    if (
      !(await sleep(interval, signal).then(
        () => true,
        () => false,
      ))
    )
      return undefined;
  }
  return undefined;
}

/** The task's status message while its container runs but its health check has not passed yet. */
export const HEALTH_STARTING_MESSAGE = 'starting (health: starting)';
