import {
  invalid,
  type Config,
  type DataCreateRequest,
  type Network,
  type NetworkCreateRequest,
  type SecretView,
  type ServiceSpecInput,
  type ServiceView,
} from '@swarmlet/api-types';
import { NAMESPACE_LABEL, SPEC_HASH_LABEL, type Stack } from './model.js';

/** What the cluster holds, as the list calls return it. */
export interface ClusterState {
  services: readonly ServiceView[];
  networks: readonly Network[];
  secrets: readonly SecretView[];
  configs: readonly Config[];
}

/** A new value for an existing secret or config (base64). */
export interface DataUpdate {
  name: string;
  data: string;
}

/** Networks, secrets and configs to write before the services. */
export interface ResourcePlan {
  createNetworks: NetworkCreateRequest[];
  createSecrets: DataCreateRequest[];
  /**
   * Every existing secret of the stack, with the file's value: the API hides secret values, so
   * the deploy sends them again and the manager ignores a value equal to the stored one (a
   * changed one rolls the services using it).
   */
  updateSecrets: DataUpdate[];
  createConfigs: DataCreateRequest[];
  /** Existing configs whose value differs from the file's. */
  updateConfigs: DataUpdate[];
}

/**
 * What to write before the services. Throws INVALID_ARGUMENT listing every external network,
 * secret or config that does not exist, before anything is written.
 */
export function planResources(stack: Stack, state: ClusterState): ResourcePlan {
  const has = (list: readonly { spec: { name: string } }[], name: string): boolean =>
    list.some((o) => o.spec.name === name);
  const missing = [
    ...stack.networks
      .filter((n) => n.external && !has(state.networks, n.name))
      .map((n) => `network ${n.name}`),
    ...stack.secrets
      .filter((s) => s.external && !has(state.secrets, s.name))
      .map((s) => `secret ${s.name}`),
    ...stack.configs
      .filter((c) => c.external && !has(state.configs, c.name))
      .map((c) => `config ${c.name}`),
  ];
  if (missing.length > 0)
    throw invalid(`declared as external but not found: ${missing.join(', ')} (create them first)`);
  const plan: ResourcePlan = {
    createNetworks: [],
    createSecrets: [],
    updateSecrets: [],
    createConfigs: [],
    updateConfigs: [],
  };
  for (const n of stack.networks)
    if (!n.external && !has(state.networks, n.name)) plan.createNetworks.push(n.request);
  for (const s of stack.secrets) {
    if (s.external || s.data === undefined) continue;
    if (has(state.secrets, s.name)) plan.updateSecrets.push({ name: s.name, data: s.data });
    else plan.createSecrets.push({ name: s.name, labels: s.labels, data: s.data });
  }
  for (const c of stack.configs) {
    if (c.external || c.data === undefined) continue;
    const current = state.configs.find((x) => x.spec.name === c.name);
    if (!current) plan.createConfigs.push({ name: c.name, labels: c.labels, data: c.data });
    else if (current.spec.data !== c.data) plan.updateConfigs.push({ name: c.name, data: c.data });
  }
  return plan;
}

/** A service update: the spec to send with the version it was read at. */
export interface ServiceUpdate {
  id: string;
  version: number;
  spec: ServiceSpecInput;
}

/** Services to create, update, leave alone and (with `--prune`) remove. */
export interface ServicePlan {
  create: ServiceSpecInput[];
  update: ServiceUpdate[];
  unchanged: string[];
  remove: { id: string; name: string }[];
}

/**
 * The fields the manager stores as sent, compared besides the hash so that a `service scale`
 * or `service update --image` made by hand is undone by the next deploy. Fields the manager
 * fills with defaults are left to the hash.
 */
function kept(
  mode: string,
  replicas: number | undefined,
  c: ServiceSpecInput['task']['container'],
  labels: Record<string, string> | undefined,
): unknown {
  return {
    image: c.image,
    mode,
    replicas: mode === 'replicated' ? (replicas ?? 1) : undefined,
    command: c.command ?? [],
    args: c.args ?? [],
    env: c.env ?? [],
    containerLabels: c.labels ?? {},
    labels: labels ?? {},
    workdir: c.workdir ?? '',
    user: c.user ?? '',
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether `current` differs from what the compose file asks for (`desired`, hash-labelled). */
export function serviceChanged(desired: ServiceSpecInput, current: ServiceView): boolean {
  const hash = desired.labels?.[SPEC_HASH_LABEL];
  if (hash === undefined || current.spec.labels[SPEC_HASH_LABEL] !== hash) return true;
  const want = kept(
    desired.mode ?? 'replicated',
    desired.replicas,
    desired.task.container,
    desired.labels,
  );
  const have = kept(
    current.spec.mode,
    current.spec.replicas,
    current.spec.task.container,
    current.spec.labels,
  );
  return !sameJson(want, have);
}

/** The services of stack `name` (by Docker's namespace label). */
export function stackServices(services: readonly ServiceView[], name: string): ServiceView[] {
  return services.filter((s) => s.spec.labels[NAMESPACE_LABEL] === name);
}

/**
 * Creates for new services, updates for changed ones (carrying the server's `forceUpdate` so a
 * secret rotation's restart is not undone), nothing for unchanged ones, and with `prune` the
 * removal of the stack's services that the files no longer have.
 */
export function planServices(
  stack: Stack,
  services: readonly ServiceView[],
  prune: boolean,
): ServicePlan {
  const plan: ServicePlan = { create: [], update: [], unchanged: [], remove: [] };
  for (const spec of stack.services) {
    const current = services.find((s) => s.spec.name === spec.name);
    if (!current) plan.create.push(spec);
    else if (!serviceChanged(spec, current)) plan.unchanged.push(spec.name);
    else {
      const task = { ...spec.task, forceUpdate: current.spec.task.forceUpdate };
      plan.update.push({ id: current.id, version: current.meta.version, spec: { ...spec, task } });
    }
  }
  if (prune) {
    const wanted = new Set(stack.services.map((s) => s.name));
    for (const s of stackServices(services, stack.name))
      if (!wanted.has(s.spec.name)) plan.remove.push({ id: s.id, name: s.spec.name });
  }
  return plan;
}

/** What `stack rm NAME` removes, found by the namespace label (volumes stay, as in Docker). */
export interface RemovePlan {
  services: string[];
  networks: string[];
  secrets: string[];
  configs: string[];
}

export function planRemove(name: string, state: ClusterState): RemovePlan {
  const mine = (
    list: readonly { spec: { name: string; labels: Record<string, string> } }[],
  ): string[] =>
    list
      .filter((o) => o.spec.labels[NAMESPACE_LABEL] === name)
      .map((o) => o.spec.name)
      .sort();
  return {
    services: mine(state.services),
    networks: mine(state.networks),
    secrets: mine(state.secrets),
    configs: mine(state.configs),
  };
}

/** `stack ls`: every stack with its number of services, sorted by name. */
export function listStacks(services: readonly ServiceView[]): { name: string; services: number }[] {
  const counts = new Map<string, number>();
  for (const s of services) {
    const ns = s.spec.labels[NAMESPACE_LABEL];
    if (ns !== undefined) counts.set(ns, (counts.get(ns) ?? 0) + 1);
  }
  return [...counts]
    .map(([name, n]) => ({ name, services: n }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
