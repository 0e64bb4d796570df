import type { Command } from 'commander';
import type { ServiceSpec, UpdateConfig } from '@swarmlet/api-types';
import type { Placement } from '@swarmlet/api-types';
import { invalidFlag } from '../errors.js';
import { parseDuration } from './duration.js';
import { parsePublish } from './publish.js';
import {
  checkConstraint,
  flagValue,
  parseSpreadPref,
  resources,
  restartPolicy,
} from './service-flags.js';
import { updateConfigsOf, withUpdateConfigFlags, type UpdateConfigFlags } from './update-config.js';
import { collect, parseCount, parseEnv, parseLabels, shellSplit } from './words.js';

/** `service update` options as commander hands them over. */
export interface UpdateFlags extends UpdateConfigFlags {
  /** `--rollback`: run `service rollback` instead. */
  rollback?: boolean;
  replicas?: string;
  image?: string;
  envAdd?: string[];
  envRm?: string[];
  force?: boolean;
  args?: string;
  entrypoint?: string;
  labelAdd?: string[];
  labelRm?: string[];
  containerLabelAdd?: string[];
  containerLabelRm?: string[];
  limitCpu?: string;
  limitMemory?: string;
  reserveCpu?: string;
  reserveMemory?: string;
  publishAdd?: string[];
  publishRm?: string[];
  networkAdd?: string[];
  networkRm?: string[];
  constraintAdd?: string[];
  constraintRm?: string[];
  placementPrefAdd?: string[];
  placementPrefRm?: string[];
  replicasMaxPerNode?: string;
  restartCondition?: string;
  restartDelay?: string;
  restartMaxAttempts?: string;
  restartWindow?: string;
  stopGracePeriod?: string;
  workdir?: string;
  user?: string;
  maxConcurrent?: string;
}

/** Registers the flags `applyUpdateFlags` reads (Docker's `service update` names). */
export function withUpdateFlags(cmd: Command): Command {
  cmd
    .option('--replicas <n>', 'number of tasks')
    .option('--max-concurrent <n>', 'job tasks run at a time (replicated-job)')
    .option('--image <image>', 'service image tag')
    .option('--args <command>', 'service command args (the container CMD)')
    .option('--entrypoint <cmd>', 'overwrite the default ENTRYPOINT of the image')
    .option('--env-add <K=V>', 'add or update an environment variable (repeatable)', collect)
    .option('--env-rm <K>', 'remove an environment variable (repeatable)', collect)
    .option('--label-add <K=V>', 'add or update a service label (repeatable)', collect)
    .option('--label-rm <K>', 'remove a service label (repeatable)', collect)
    .option('--container-label-add <K=V>', 'add or update a container label', collect)
    .option('--container-label-rm <K>', 'remove a container label (repeatable)', collect)
    .option('--limit-cpu <cpus>', 'limit CPUs (0: none)')
    .option('--limit-memory <bytes>', 'limit memory (0: none)')
    .option('--reserve-cpu <cpus>', 'reserve CPUs')
    .option('--reserve-memory <bytes>', 'reserve memory')
    .option('--publish-add <port>', 'add or update a published port (as --publish)', collect)
    .option('--publish-rm <port>', 'remove a published port by target port[/proto]', collect)
    .option('--network-add <name>', 'attach a network (repeatable)', collect)
    .option('--network-rm <name>', 'detach a network (repeatable)', collect)
    .option('--constraint-add <expr>', 'add a placement constraint (repeatable)', collect)
    .option('--constraint-rm <expr>', 'remove a placement constraint (repeatable)', collect)
    .option('--placement-pref-add <pref>', 'add a placement preference (repeatable)', collect)
    .option('--placement-pref-rm <pref>', 'remove a placement preference (repeatable)', collect)
    .option('--replicas-max-per-node <n>', 'at most N tasks per node (0: no limit)')
    .option('--restart-condition <cond>', 'restart when: any, on-failure or none')
    .option('--restart-delay <duration>', 'delay between restart attempts')
    .option('--restart-max-attempts <n>', 'maximum restarts before giving up')
    .option('--restart-window <duration>', 'window used to evaluate the restart policy')
    .option('--stop-grace-period <duration>', 'time to wait before force killing a container')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'username or UID')
    .option('--force', 'force the update even if no changes require it');
  return withUpdateConfigFlags(cmd);
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

function updateLabels(
  labels: Record<string, string>,
  flag: string,
  add: readonly string[] = [],
  rm: readonly string[] = [],
): Record<string, string> {
  const next = { ...labels, ...parseLabels(flag, add) };
  for (const k of rm) delete next[k];
  return next;
}

/** A network the update may name: its id and name, to remove it by either. */
export interface NetworkName {
  id: string;
  name: string;
}

/**
 * Applies `service update` flags to the current spec (pure). `--force` bumps `forceUpdate`,
 * which makes the orchestrator replace every task even if nothing else changed. `networks`
 * maps the names `--network-rm` may use to the ids the spec holds.
 */
export function applyUpdateFlags(
  spec: ServiceSpec,
  f: UpdateFlags,
  networks: readonly NetworkName[] = [],
): ServiceSpec {
  const next = structuredClone(spec);
  if (f.replicas !== undefined) next.replicas = parseCount('--replicas', f.replicas);
  if (f.maxConcurrent !== undefined)
    next.maxConcurrent = parseCount('--max-concurrent', f.maxConcurrent);
  const c = next.task.container;
  if (f.image !== undefined) c.image = f.image;
  if (f.args !== undefined) c.args = flagValue('--args', f.args, shellSplit);
  if (f.entrypoint !== undefined) c.command = flagValue('--entrypoint', f.entrypoint, shellSplit);
  const add = f.envAdd ?? [];
  const rm = f.envRm ?? [];
  if (add.length > 0 || rm.length > 0) c.env = updateEnv(c.env, parseEnv('--env-add', add), rm);
  next.labels = updateLabels(next.labels, '--label-add', f.labelAdd, f.labelRm);
  c.labels = updateLabels(
    c.labels,
    '--container-label-add',
    f.containerLabelAdd,
    f.containerLabelRm,
  );
  if (f.workdir !== undefined) c.workdir = f.workdir;
  if (f.user !== undefined) c.user = f.user;
  if (f.stopGracePeriod !== undefined)
    c.stopGracePeriodMs = flagValue('--stop-grace-period', f.stopGracePeriod, parseDuration);
  const r = next.task.resources;
  Object.assign(r.limits, resources('--limit-cpu', f.limitCpu, '--limit-memory', f.limitMemory));
  Object.assign(
    r.reservations,
    resources('--reserve-cpu', f.reserveCpu, '--reserve-memory', f.reserveMemory),
  );
  Object.assign(next.task.restartPolicy, restartPolicy(f));
  applyPorts(next, f);
  applyNetworks(next, f, networks);
  applyPlacement(next, f);
  const configs = updateConfigsOf(f);
  // A spec stored without a config (a job) sends only the given fields; the manager fills the
  // rest or refuses them.
  if (configs.updateConfig)
    next.updateConfig = { ...spec.updateConfig, ...configs.updateConfig } as UpdateConfig;
  if (configs.rollbackConfig)
    next.rollbackConfig = { ...spec.rollbackConfig, ...configs.rollbackConfig } as UpdateConfig;
  if (f.force) next.task.forceUpdate += 1;
  return next;
}

/** `--publish-rm 80` or `80/udp` removes by target port (and protocol, tcp by default). */
function applyPorts(next: ServiceSpec, f: UpdateFlags): void {
  if (!f.publishAdd?.length && !f.publishRm?.length) return;
  const key = (target: number, protocol = 'tcp'): string => `${target}/${protocol}`;
  const removed = new Set(
    (f.publishRm ?? []).map((raw) => {
      const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(raw.trim());
      if (!m) throw invalidFlag('--publish-rm', raw, 'expected TARGET[/tcp|/udp]');
      return key(Number(m[1]), m[2]);
    }),
  );
  const added = (f.publishAdd ?? []).map(parsePublish);
  for (const p of added) removed.add(key(p.target, p.protocol));
  const kept = (next.ports ?? []).filter((p) => !removed.has(key(p.target, p.protocol)));
  next.ports = [...kept, ...added];
}

function applyNetworks(next: ServiceSpec, f: UpdateFlags, networks: readonly NetworkName[]): void {
  if (!f.networkAdd?.length && !f.networkRm?.length) return;
  const idOf = (ref: string): string =>
    networks.find((n) => n.name === ref || n.id === ref)?.id ?? ref;
  const rm = new Set((f.networkRm ?? []).map(idOf));
  const current = next.networks ?? [];
  for (const r of f.networkRm ?? [])
    if (!current.includes(idOf(r)))
      throw invalidFlag('--network-rm', r, 'the service is not attached to this network');
  const kept = current.filter((id) => !rm.has(id));
  next.networks = [...kept, ...(f.networkAdd ?? []).filter((n) => !kept.includes(idOf(n)))];
}

function applyPlacement(next: ServiceSpec, f: UpdateFlags): void {
  const p: Placement = next.task.placement ?? {};
  if (f.constraintAdd?.length || f.constraintRm?.length) {
    const rm = new Set((f.constraintRm ?? []).map((c) => c.replace(/\s+/g, '')));
    const kept = (p.constraints ?? []).filter((c) => !rm.has(c.replace(/\s+/g, '')));
    for (const c of f.constraintAdd ?? []) checkConstraint('--constraint-add', c);
    p.constraints = [...kept, ...(f.constraintAdd ?? [])];
  }
  if (f.placementPrefAdd?.length || f.placementPrefRm?.length) {
    const rm = new Set(
      (f.placementPrefRm ?? []).map((x) => parseSpreadPref('--placement-pref-rm', x)),
    );
    const kept = (p.preferences ?? []).filter((x) => !rm.has(x.spread));
    const added = (f.placementPrefAdd ?? []).map((x) => ({
      spread: parseSpreadPref('--placement-pref-add', x),
    }));
    p.preferences = [...kept, ...added];
  }
  if (f.replicasMaxPerNode !== undefined)
    p.maxReplicasPerNode = parseCount('--replicas-max-per-node', f.replicasMaxPerNode);
  if (Object.keys(p).length > 0) next.task.placement = p;
}
