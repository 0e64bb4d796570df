import type { ServiceSpec } from '@swarmlet/api-types';
import { parseEnv, parseCount } from './words.js';

/** `service update` options as commander hands them over. */
export interface UpdateFlags {
  replicas?: string;
  image?: string;
  envAdd?: string[];
  envRm?: string[];
  force?: boolean;
}

function envKey(entry: string): string {
  return entry.split('=', 1)[0] ?? entry;
}

/** Docker's `--env-add` / `--env-rm`: add replaces a variable of the same name; rm removes by name. */
export function updateEnv(
  env: readonly string[],
  add: readonly string[],
  rm: readonly string[],
): string[] {
  const removed = new Set([...rm.map(envKey), ...add.map(envKey)]);
  return [...env.filter((e) => !removed.has(envKey(e))), ...add];
}

/**
 * Applies `service update` flags to the current spec (pure). `--force` bumps `forceUpdate`,
 * which makes the orchestrator replace every task even if nothing else changed.
 */
export function applyUpdateFlags(spec: ServiceSpec, f: UpdateFlags): ServiceSpec {
  const next = structuredClone(spec);
  if (f.replicas !== undefined) next.replicas = parseCount('--replicas', f.replicas);
  const c = next.task.container;
  if (f.image !== undefined) c.image = f.image;
  const add = f.envAdd ?? [];
  const rm = f.envRm ?? [];
  if (add.length > 0 || rm.length > 0) c.env = updateEnv(c.env, parseEnv('--env-add', add), rm);
  if (f.force) next.task.forceUpdate += 1;
  return next;
}
