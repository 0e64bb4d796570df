import {
  ENDPOINT_MODES,
  RESTART_CONDITIONS,
  SERVICE_MODES,
  UPDATE_FAILURE_ACTIONS,
  UPDATE_ORDERS,
  type Placement,
  type RestartPolicy,
  type ServiceSpecInput,
  type UpdateConfig,
} from '@swarmlet/api-types';
import {
  asEnum,
  asInt,
  asList,
  asMap,
  asNumber,
  asString,
  asStringList,
  composeError,
  type RawMap,
} from './raw.js';
import { parseBytes, parseCpus, parseDuration } from './units.js';

type Input = ServiceSpecInput;
type Resources = NonNullable<Input['task']['resources']>;

function resources(raw: RawMap, where: string): { nanoCpus?: number; memoryBytes?: number } {
  const r: { nanoCpus?: number; memoryBytes?: number } = {};
  if (raw['cpus'] !== undefined) r.nanoCpus = parseCpus(raw['cpus'], `${where}.cpus`);
  if (raw['memory'] !== undefined) r.memoryBytes = parseBytes(raw['memory'], `${where}.memory`);
  return r;
}

function resourcesOf(raw: RawMap, where: string): Resources | undefined {
  if (raw['limits'] === undefined && raw['reservations'] === undefined) return undefined;
  const out: Resources = {};
  if (raw['limits'] !== undefined)
    out.limits = resources(asMap(raw['limits'], `${where}.limits`), `${where}.limits`);
  if (raw['reservations'] !== undefined)
    out.reservations = resources(
      asMap(raw['reservations'], `${where}.reservations`),
      `${where}.reservations`,
    );
  return out;
}

/** `update_config` / `rollback_config` to a partial UpdateConfig (only the keys written). */
function updateConfigOf(raw: RawMap, where: string, rollback: boolean): Partial<UpdateConfig> {
  const u: Partial<UpdateConfig> = {};
  if (raw['parallelism'] !== undefined)
    u.parallelism = asInt(raw['parallelism'], `${where}.parallelism`);
  if (raw['delay'] !== undefined) u.delayMs = parseDuration(raw['delay'], `${where}.delay`);
  if (raw['order'] !== undefined) u.order = asEnum(raw['order'], `${where}.order`, UPDATE_ORDERS);
  if (raw['failure_action'] !== undefined) {
    const allowed = rollback
      ? UPDATE_FAILURE_ACTIONS.filter((a) => a !== 'rollback')
      : UPDATE_FAILURE_ACTIONS;
    u.failureAction = asEnum(raw['failure_action'], `${where}.failure_action`, allowed);
  }
  if (raw['monitor'] !== undefined) u.monitorMs = parseDuration(raw['monitor'], `${where}.monitor`);
  if (raw['max_failure_ratio'] !== undefined) {
    const ratio = asNumber(raw['max_failure_ratio'], `${where}.max_failure_ratio`);
    if (ratio < 0 || ratio > 1)
      throw composeError(`${where}.max_failure_ratio`, `must be between 0 and 1, got ${ratio}`);
    u.maxFailureRatio = ratio;
  }
  return u;
}

function restartPolicyOf(raw: RawMap, where: string): Partial<RestartPolicy> {
  const p: Partial<RestartPolicy> = {};
  if (raw['condition'] !== undefined)
    p.condition = asEnum(raw['condition'], `${where}.condition`, RESTART_CONDITIONS);
  if (raw['delay'] !== undefined) p.delayMs = parseDuration(raw['delay'], `${where}.delay`);
  if (raw['max_attempts'] !== undefined)
    p.maxAttempts = asInt(raw['max_attempts'], `${where}.max_attempts`);
  if (raw['window'] !== undefined) p.windowMs = parseDuration(raw['window'], `${where}.window`);
  return p;
}

/** The service-level `restart:` (always, unless-stopped, on-failure[:N], no), as Docker maps it. */
export function restartKeyPolicy(v: unknown, where: string): Partial<RestartPolicy> {
  const s = asString(v, where);
  if (s === 'always' || s === 'unless-stopped') return { condition: 'any' };
  if (s === 'no') return { condition: 'none' };
  const m = /^on-failure(?::(\d+))?$/.exec(s);
  if (!m)
    throw composeError(
      where,
      `invalid value "${s}": use no, always, unless-stopped or on-failure[:N]`,
    );
  return m[1] === undefined
    ? { condition: 'on-failure' }
    : { condition: 'on-failure', maxAttempts: Number(m[1]) };
}

function placementOf(raw: RawMap, where: string): Placement | undefined {
  const p: Placement = {};
  const constraints = asStringList(raw['constraints'], `${where}.constraints`);
  if (constraints.length > 0) p.constraints = constraints;
  const prefs = asList(raw['preferences'], `${where}.preferences`).map((x, i) => ({
    spread: asString(
      asMap(x, `${where}.preferences[${i}]`)['spread'],
      `${where}.preferences[${i}].spread`,
    ),
  }));
  if (prefs.length > 0) p.preferences = prefs;
  if (raw['max_replicas_per_node'] !== undefined)
    p.maxReplicasPerNode = asInt(raw['max_replicas_per_node'], `${where}.max_replicas_per_node`);
  return Object.keys(p).length > 0 ? p : undefined;
}

/** What `deploy:` sets on a service spec; `task` holds only the task-level parts. */
export interface DeployParts {
  spec: Pick<
    Input,
    'mode' | 'replicas' | 'maxConcurrent' | 'endpointMode' | 'updateConfig' | 'rollbackConfig'
  >;
  labels: Record<string, string>;
  task: Pick<Input['task'], 'resources' | 'restartPolicy' | 'placement'>;
}

/**
 * Converts a service's `deploy:`. Replicas default to 1 for replicated services and jobs (as
 * Compose); `replicas` with a global mode is an error, as in Docker.
 */
export function convertDeploy(raw: RawMap, where: string): DeployParts {
  const mode =
    raw['mode'] === undefined ? 'replicated' : asEnum(raw['mode'], `${where}.mode`, SERVICE_MODES);
  const out: DeployParts = {
    spec: { mode },
    labels: (raw['labels'] ?? {}) as Record<string, string>,
    task: {},
  };
  if (raw['replicas'] !== undefined) {
    if (mode === 'global' || mode === 'global-job')
      throw composeError(
        `${where}.replicas`,
        `replicas can only be used with a replicated mode, not ${mode}`,
      );
    out.spec.replicas = asInt(raw['replicas'], `${where}.replicas`);
  } else if (mode === 'replicated' || mode === 'replicated-job') out.spec.replicas = 1;
  if (raw['max_concurrent'] !== undefined) {
    if (mode !== 'replicated-job')
      throw composeError(
        `${where}.max_concurrent`,
        'max_concurrent is for replicated-job services',
      );
    out.spec.maxConcurrent = asInt(raw['max_concurrent'], `${where}.max_concurrent`);
  }
  if (raw['endpoint_mode'] !== undefined)
    out.spec.endpointMode = asEnum(raw['endpoint_mode'], `${where}.endpoint_mode`, ENDPOINT_MODES);
  const jobs = mode.endsWith('-job');
  for (const [key, field] of [
    ['update_config', 'updateConfig'],
    ['rollback_config', 'rollbackConfig'],
  ] as const) {
    if (raw[key] === undefined) continue;
    if (jobs) throw composeError(`${where}.${key}`, `${key} does not apply to ${mode} services`);
    out.spec[field] = updateConfigOf(
      asMap(raw[key], `${where}.${key}`),
      `${where}.${key}`,
      field === 'rollbackConfig',
    );
  }
  const res = resourcesOf(asMap(raw['resources'], `${where}.resources`), `${where}.resources`);
  if (res) out.task.resources = res;
  if (raw['restart_policy'] !== undefined)
    out.task.restartPolicy = restartPolicyOf(
      asMap(raw['restart_policy'], `${where}.restart_policy`),
      `${where}.restart_policy`,
    );
  const placement = placementOf(
    asMap(raw['placement'], `${where}.placement`),
    `${where}.placement`,
  );
  if (placement) out.task.placement = placement;
  return out;
}
