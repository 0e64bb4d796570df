import {
  RESTART_CONDITIONS,
  invalid,
  type Placement,
  type ServiceSpec,
  type ServiceSpecInput,
} from '@swarmlet/api-types';
import { parseConstraint, parseSpread } from '../scheduler/constraints.js';
import { normalizeMounts } from './mounts.js';
import { jobRestartDefaults, normalizeMode } from './modes.js';
import { healthcheckField } from './healthcheck.js';

/**
 * Service names are DNS labels (letters, digits, '-', '_'; up to 63 characters): they become
 * DNS names, and a '.' would clash with `<service>.<slot>` task names.
 */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;
const ENV_RE = /^[^=\s][^=]*=/;
/** Image references: [registry/]path[:tag][@digest], no whitespace or uppercase path. */
const IMAGE_RE = /^[a-z0-9][a-z0-9._/:@-]*$/i;
const MAX_REPLICAS = 10_000;

export const SPEC_DEFAULTS = {
  stopGracePeriodMs: 10_000,
  restartDelayMs: 5_000,
} as const;

/**
 * Validates a client's service spec and fills every default, the way swarmkit's controlapi
 * validates before writing. Throws INVALID_ARGUMENT naming the offending field.
 */
export function normalizeServiceSpec(input: ServiceSpecInput): ServiceSpec {
  const name = input.name;
  if (!NAME_RE.test(name)) {
    throw invalid(
      `invalid service name "${name}": use letters, digits, '-' or '_' (starting with a letter or digit), at most 63 characters`,
      { field: 'name' },
    );
  }
  const modeFields = normalizeMode(input, MAX_REPLICAS);
  const c = input.task.container;
  if (!c.image || !IMAGE_RE.test(c.image) || /[A-Z]/.test(imagePath(c.image)))
    throw invalid(`invalid image reference "${c.image}"`, { field: 'image' });
  for (const e of c.env ?? []) {
    if (!ENV_RE.test(e))
      throw invalid(`invalid environment variable "${e}": expected KEY=VALUE`, { field: 'env' });
  }
  const limits = resources(input.task.resources?.limits, 'limits');
  const reservations = resources(input.task.resources?.reservations, 'reservations');
  const rp = { ...input.task.restartPolicy };
  Object.assign(rp, jobRestartDefaults(modeFields.mode, rp.condition, rp.maxAttempts));
  const condition = rp.condition ?? 'any';
  if (!(RESTART_CONDITIONS as readonly string[]).includes(condition)) {
    throw invalid(
      `invalid restart condition "${condition}": use one of ${RESTART_CONDITIONS.join(', ')}`,
      {
        field: 'restartPolicy.condition',
      },
    );
  }
  return {
    name,
    labels: { ...(input.labels ?? {}) },
    ...modeFields,
    task: {
      container: {
        image: c.image,
        command: [...(c.command ?? [])],
        args: [...(c.args ?? [])],
        env: [...(c.env ?? [])],
        labels: { ...(c.labels ?? {}) },
        workdir: c.workdir ?? '',
        user: c.user ?? '',
        stopGracePeriodMs: nonNegative(
          c.stopGracePeriodMs ?? SPEC_DEFAULTS.stopGracePeriodMs,
          'stopGracePeriodMs',
        ),
        ...(c.mounts?.length ? { mounts: normalizeMounts(c.mounts) } : {}),
        ...healthcheckField(c.healthcheck),
      },
      resources: { limits, reservations },
      restartPolicy: {
        condition,
        delayMs: nonNegative(rp.delayMs ?? SPEC_DEFAULTS.restartDelayMs, 'restartPolicy.delayMs'),
        maxAttempts: nonNegative(rp.maxAttempts ?? 0, 'restartPolicy.maxAttempts'),
        windowMs: nonNegative(rp.windowMs ?? 0, 'restartPolicy.windowMs'),
      },
      forceUpdate: nonNegative(input.task.forceUpdate ?? 0, 'forceUpdate'),
      ...placementOf(input.task.placement),
    },
    ...(input.endpointMode ? { endpointMode: input.endpointMode } : {}),
    ...(input.ports?.length ? { ports: input.ports.map((p) => ({ ...p })) } : {}),
  };
}

/** The repository path of an image reference: no digest, tag or registry host (which may use uppercase). */
function imagePath(ref: string): string {
  const name = ref.split('@')[0]!.replace(/:[^/]*$/, '');
  const [first, ...rest] = name.split('/');
  return rest.length > 0 && /[.:]|^localhost$/.test(first!) ? rest.join('/') : name;
}

function resources(
  r: { nanoCpus?: number; memoryBytes?: number } | undefined,
  which: string,
): { nanoCpus: number; memoryBytes: number } {
  const nanoCpus = nonNegative(r?.nanoCpus ?? 0, `resources.${which}.nanoCpus`);
  const memoryBytes = nonNegative(r?.memoryBytes ?? 0, `resources.${which}.memoryBytes`);
  if (which === 'limits' && memoryBytes > 0 && memoryBytes < 6 * 1024 * 1024) {
    throw invalid('memory limit must be at least 6MB (Docker refuses smaller limits)', {
      field: `resources.${which}.memoryBytes`,
    });
  }
  return { nanoCpus, memoryBytes };
}

function nonNegative(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0)
    throw invalid(`${field} must be a non-negative integer, got ${n}`, { field });
  return n;
}

/** Checks constraints and preferences (Docker's syntax) and drops empty parts. */
function placementOf(p: Placement | undefined): { placement?: Placement } {
  if (!p) return {};
  const constraints = (p.constraints ?? []).map((c) => parseConstraint(c).text);
  const preferences = (p.preferences ?? []).map((x) => ({
    spread: parseSpread(`spread=${x.spread}`),
  }));
  const max = nonNegative(p.maxReplicasPerNode ?? 0, 'placement.maxReplicasPerNode');
  const placement: Placement = {};
  if (constraints.length > 0) placement.constraints = constraints;
  if (preferences.length > 0) placement.preferences = preferences;
  if (max > 0) placement.maxReplicasPerNode = max;
  return Object.keys(placement).length > 0 ? { placement } : {};
}
