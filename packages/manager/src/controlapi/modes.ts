import {
  SERVICE_MODES,
  UPDATE_FAILURE_ACTIONS,
  UPDATE_ORDERS,
  invalid,
  type RestartCondition,
  type ServiceMode,
  type ServiceSpecInput,
  type UpdateConfig,
} from '@swarmlet/api-types';
import { DEFAULT_UPDATE_CONFIG } from '../orchestrator/update.js';

/** A job's default backoff limit when `--restart-max-attempts` is not given (Kubernetes' 6). */
export const JOB_BACKOFF_LIMIT = 6;

export interface ModeFields {
  mode: ServiceMode;
  replicas: number;
  maxConcurrent?: number;
  updateConfig?: UpdateConfig;
  rollbackConfig?: UpdateConfig;
}

/**
 * The mode-dependent part of a spec (pure): replicated services have `replicas` and update
 * configs; global services no replicas (Docker: "replicas can only be used with replicated
 * mode"); jobs have `replicas` completions (global-job: none), `maxConcurrent` and no update
 * configs. Throws INVALID_ARGUMENT naming the field.
 */
export function normalizeMode(input: ServiceSpecInput, maxReplicas: number): ModeFields {
  const mode = input.mode ?? 'replicated';
  if (!(SERVICE_MODES as readonly string[]).includes(mode))
    throw invalid(`invalid service mode "${mode}": use one of ${SERVICE_MODES.join(', ')}`, {
      field: 'mode',
    });
  const global = mode === 'global' || mode === 'global-job';
  const job = mode.endsWith('-job');
  if (global && input.replicas !== undefined && input.replicas !== 0)
    throw invalid(`replicas can only be used with replicated or replicated-job mode`, {
      field: 'replicas',
    });
  const replicas = global ? 0 : (input.replicas ?? 1);
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > maxReplicas)
    throw invalid(`replicas must be an integer between 0 and ${maxReplicas}, got ${replicas}`, {
      field: 'replicas',
    });
  const out: ModeFields = { mode, replicas };
  if (input.maxConcurrent !== undefined) {
    if (mode !== 'replicated-job')
      throw invalid('max-concurrent can only be used with replicated-job mode', {
        field: 'maxConcurrent',
      });
    if (!Number.isInteger(input.maxConcurrent) || input.maxConcurrent < 1)
      throw invalid(`max-concurrent must be a positive integer, got ${input.maxConcurrent}`, {
        field: 'maxConcurrent',
      });
    out.maxConcurrent = input.maxConcurrent;
  }
  if (job) {
    if (input.updateConfig || input.rollbackConfig)
      throw invalid('jobs have no update or rollback config: an update runs the job again', {
        field: 'updateConfig',
      });
    return out;
  }
  out.updateConfig = updateConfig(input.updateConfig, 'updateConfig');
  out.rollbackConfig = updateConfig(input.rollbackConfig, 'rollbackConfig');
  return out;
}

/** Restart defaults for jobs: on-failure, with a backoff limit; `any` would rerun completed tasks. */
export function jobRestartDefaults(
  mode: ServiceMode,
  condition: RestartCondition | undefined,
  maxAttempts: number | undefined,
): { condition?: RestartCondition; maxAttempts?: number } {
  if (!mode.endsWith('-job')) return {};
  if (condition === 'any')
    throw invalid('restart condition "any" cannot be used with jobs: use on-failure or none', {
      field: 'restartPolicy.condition',
    });
  return { condition: condition ?? 'on-failure', maxAttempts: maxAttempts ?? JOB_BACKOFF_LIMIT };
}

function updateConfig(c: Partial<UpdateConfig> | undefined, field: string): UpdateConfig {
  const out = { ...DEFAULT_UPDATE_CONFIG, ...c };
  for (const k of ['parallelism', 'delayMs', 'monitorMs'] as const) {
    if (!Number.isInteger(out[k]) || out[k] < 0)
      throw invalid(`${field}.${k} must be a non-negative integer, got ${out[k]}`, {
        field: `${field}.${k}`,
      });
  }
  if (!(UPDATE_ORDERS as readonly string[]).includes(out.order))
    throw invalid(`${field}.order must be one of ${UPDATE_ORDERS.join(', ')}`, {
      field: `${field}.order`,
    });
  const actions: readonly string[] =
    field === 'rollbackConfig' ? ['pause', 'continue'] : UPDATE_FAILURE_ACTIONS;
  if (!actions.includes(out.failureAction))
    throw invalid(`${field}.failureAction must be one of ${actions.join(', ')}`, {
      field: `${field}.failureAction`,
    });
  if (
    typeof out.maxFailureRatio !== 'number' ||
    !(out.maxFailureRatio >= 0 && out.maxFailureRatio <= 1)
  )
    throw invalid(`${field}.maxFailureRatio must be between 0 and 1, got ${out.maxFailureRatio}`, {
      field: `${field}.maxFailureRatio`,
    });
  return out;
}
