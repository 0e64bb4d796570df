import type { ServiceSpecInput } from '@swarmlet/api-types';
import {
  ENDPOINT_MODES,
  RESTART_CONDITIONS,
  SERVICE_MODES,
  type RestartCondition,
  type ServiceMode,
} from '@swarmlet/api-types';
import { invalidFlag, messageOf } from '../errors.js';
import { parseBytes, parseCpus } from './bytes.js';
import { parseDuration } from './duration.js';
import { parseFileRef } from './file-ref.js';
import { healthcheckOf, type HealthFlags } from './health.js';
import { parseMount } from './mount.js';
import { parsePublish } from './publish.js';
import { updateConfigsOf, type UpdateConfigFlags } from './update-config.js';
import { parseCount, parseEnv, parseLabels, shellSplit } from './words.js';

/** `swarmlet service create` options as commander hands them over: raw strings, not yet checked. */
export interface CreateFlags extends HealthFlags, UpdateConfigFlags {
  name?: string;
  mode?: string;
  replicas?: string;
  env?: string[];
  label?: string[];
  containerLabel?: string[];
  limitCpu?: string;
  limitMemory?: string;
  reserveCpu?: string;
  reserveMemory?: string;
  restartCondition?: string;
  restartDelay?: string;
  restartMaxAttempts?: string;
  restartWindow?: string;
  stopGracePeriod?: string;
  workdir?: string;
  user?: string;
  entrypoint?: string;
  network?: string[];
  publish?: string[];
  endpointMode?: string;
  secret?: string[];
  config?: string[];
  constraint?: string[];
  placementPref?: string[];
  replicasMaxPerNode?: string;
  mount?: string[];
  maxConcurrent?: string;
}

/** Runs a parser on a flag's value, rewording its failure as docker's "invalid argument". */
export function flagValue<T>(flag: string, value: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw invalidFlag(flag, value, messageOf(err));
  }
}

/** The value if `allowed` lists it; else docker's `invalid argument` naming the choices. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidFlag(flag, value, `must be one of ${allowed.join(', ')}`);
}

type Resources = { nanoCpus?: number; memoryBytes?: number };

/** `--limit-*` / `--reserve-*`: only the given values; undefined when neither is. */
export function resources(
  cpuFlag: string,
  cpu?: string,
  memFlag?: string,
  mem?: string,
): Resources | undefined {
  const out: Resources = {};
  if (cpu !== undefined) out.nanoCpus = flagValue(cpuFlag, cpu, parseCpus);
  if (mem !== undefined && memFlag !== undefined)
    out.memoryBytes = flagValue(memFlag, mem, parseBytes);
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The `--restart-*` flags given (a partial policy), or undefined. */
export function restartPolicy(f: CreateFlags): ServiceSpecInput['task']['restartPolicy'] {
  const p: NonNullable<ServiceSpecInput['task']['restartPolicy']> = {};
  if (f.restartCondition !== undefined) {
    p.condition = oneOf<RestartCondition>(
      '--restart-condition',
      f.restartCondition,
      RESTART_CONDITIONS,
    );
  }
  if (f.restartDelay !== undefined)
    p.delayMs = flagValue('--restart-delay', f.restartDelay, parseDuration);
  if (f.restartMaxAttempts !== undefined) {
    p.maxAttempts = parseCount('--restart-max-attempts', f.restartMaxAttempts);
  }
  if (f.restartWindow !== undefined)
    p.windowMs = flagValue('--restart-window', f.restartWindow, parseDuration);
  return Object.keys(p).length === 0 ? undefined : p;
}

function containerSpec(
  image: string,
  args: string[],
  f: CreateFlags,
): ServiceSpecInput['task']['container'] {
  const c: ServiceSpecInput['task']['container'] = { image };
  if (args.length > 0) c.args = args;
  if (f.entrypoint !== undefined) c.command = flagValue('--entrypoint', f.entrypoint, shellSplit);
  if (f.env?.length) c.env = parseEnv('--env', f.env);
  if (f.containerLabel?.length) c.labels = parseLabels('--container-label', f.containerLabel);
  if (f.workdir !== undefined) c.workdir = f.workdir;
  if (f.user !== undefined) c.user = f.user;
  if (f.mount?.length) c.mounts = f.mount.map((m) => parseMount(m));
  if (f.stopGracePeriod !== undefined) {
    c.stopGracePeriodMs = flagValue('--stop-grace-period', f.stopGracePeriod, parseDuration);
  }
  const health = healthcheckOf(f);
  if (health) c.healthcheck = health;
  return c;
}

/**
 * Turns `service create` flags and positionals into the spec sent to the daemon. Docker
 * semantics: `IMAGE [COMMAND] [ARG...]` become the container's args (the image's CMD),
 * `--entrypoint` replaces its ENTRYPOINT. Only flags given are set; the daemon fills defaults.
 * Throws `UsageError` naming the flag for any bad value.
 */
export function buildServiceSpec(
  image: string,
  args: string[],
  f: CreateFlags,
  name: string,
): ServiceSpecInput {
  const spec: ServiceSpecInput = { name, task: { container: containerSpec(image, args, f) } };
  if (f.mode !== undefined) spec.mode = oneOf<ServiceMode>('--mode', f.mode, SERVICE_MODES);
  if (f.replicas !== undefined) spec.replicas = parseCount('--replicas', f.replicas);
  if (f.maxConcurrent !== undefined)
    spec.maxConcurrent = parseCount('--max-concurrent', f.maxConcurrent);
  Object.assign(spec, updateConfigsOf(f));
  if (f.label?.length) spec.labels = parseLabels('--label', f.label);
  const limits = resources('--limit-cpu', f.limitCpu, '--limit-memory', f.limitMemory);
  const reservations = resources(
    '--reserve-cpu',
    f.reserveCpu,
    '--reserve-memory',
    f.reserveMemory,
  );
  if (limits || reservations) {
    spec.task.resources = { ...(limits && { limits }), ...(reservations && { reservations }) };
  }
  const restart = restartPolicy(f);
  if (restart) spec.task.restartPolicy = restart;
  if (f.secret?.length) spec.task.secrets = f.secret.map((r) => parseFileRef('--secret', r));
  if (f.config?.length) spec.task.configs = f.config.map((r) => parseFileRef('--config', r));
  if (f.network?.length) {
    if (f.network.some((n) => n.trim() === '')) {
      throw invalidFlag('--network', '', 'a network name is required');
    }
    spec.networks = f.network;
  }
  const placement = placementOf(f);
  if (placement) spec.task.placement = placement;
  if (f.publish?.length) spec.ports = f.publish.map(parsePublish);
  if (f.endpointMode !== undefined) {
    spec.endpointMode = oneOf('--endpoint-mode', f.endpointMode, ENDPOINT_MODES);
  }
  return spec;
}

/**
 * `--constraint KEY==VALUE|KEY!=VALUE`, `--placement-pref spread=KEY`, `--replicas-max-per-node
 * N`: the syntax is checked here for a quick usage error; the manager checks the keys.
 */
function placementOf(
  f: CreateFlags,
): NonNullable<ServiceSpecInput['task']['placement']> | undefined {
  const placement: NonNullable<ServiceSpecInput['task']['placement']> = {};
  for (const c of f.constraint ?? []) checkConstraint('--constraint', c);
  if (f.constraint?.length) placement.constraints = f.constraint;
  const prefs = (f.placementPref ?? []).map((p) => ({
    spread: parseSpreadPref('--placement-pref', p),
  }));
  if (prefs.length > 0) placement.preferences = prefs;
  if (f.replicasMaxPerNode !== undefined) {
    placement.maxReplicasPerNode = parseCount('--replicas-max-per-node', f.replicasMaxPerNode);
  }
  return Object.keys(placement).length > 0 ? placement : undefined;
}

/** A `--constraint`'s syntax, for a quick usage error (the manager checks the keys). */
export function checkConstraint(flag: string, c: string): void {
  if (!/^\s*[^=!\s]+\s*(==|!=)\s*\S/.test(c))
    throw invalidFlag(flag, c, 'expected KEY==VALUE or KEY!=VALUE');
}

/** `spread=KEY` → `KEY`. */
export function parseSpreadPref(flag: string, raw: string): string {
  const m = /^spread=(\S+)$/.exec(raw.trim());
  if (!m?.[1]) throw invalidFlag(flag, raw, 'expected spread=node.labels.KEY');
  return m[1];
}
