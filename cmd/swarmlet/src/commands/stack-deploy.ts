import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { SwarmletClient } from '@swarmlet/client';
import {
  loadStack,
  planResources,
  planServices,
  type ClusterState,
  type ResourcePlan,
  type Stack,
} from '@swarmlet/stack';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

/** Flags of `stack deploy`. */
export interface DeployFlags {
  composeFile?: string[];
  prune?: boolean;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : String(err);
    throw new Error(`cannot read compose file ${path}: ${why}`);
  }
}

/**
 * The stack from the `-c` files: the `.env` beside the first one, the CLI's environment, files
 * read relative to the first file's directory. Warnings go to stderr, one line each.
 */
export function readStack(ctx: CommandContext, name: string, files: readonly string[]): Stack {
  if (files.length === 0)
    throw new UsageError('at least one compose file is needed (-c, --compose-file)');
  const projectDir = dirname(resolve(files[0] ?? '.'));
  const dotEnvPath = join(projectDir, '.env');
  const { stack, warnings } = loadStack({
    name,
    files: files.map((path) => ({ path, text: readText(path) })),
    env: ctx.io.env,
    projectDir,
    ...(existsSync(dotEnvPath) ? { dotEnv: { path: dotEnvPath, text: readText(dotEnvPath) } } : {}),
    readFile: (path) => readFileSync(path),
  });
  for (const w of warnings) ctx.note(`warning: ${w}`);
  return stack;
}

/** Everything a plan compares against, read in parallel. */
export async function clusterState(client: SwarmletClient): Promise<ClusterState> {
  const [services, networks, secrets, configs] = await Promise.all([
    client.listServices(),
    client.listNetworks(),
    client.listSecrets(),
    client.listConfigs(),
  ]);
  return { services, networks, secrets, configs };
}

async function writeResources(
  ctx: CommandContext,
  plan: ResourcePlan,
  state: ClusterState,
): Promise<void> {
  const client = ctx.client();
  for (const n of plan.createNetworks) {
    ctx.print(`Creating network ${n.name}`);
    await client.createNetwork(n);
  }
  for (const s of plan.createSecrets) {
    ctx.print(`Creating secret ${s.name}`);
    await client.createSecret(s);
  }
  for (const s of plan.updateSecrets) {
    const before = state.secrets.find((x) => x.spec.name === s.name)?.meta.version;
    const after = await client.updateSecret(s.name, { data: s.data });
    if (after.meta.version !== before)
      ctx.print(`Updating secret ${s.name} (services using it roll their tasks)`);
  }
  for (const c of plan.createConfigs) {
    ctx.print(`Creating config ${c.name}`);
    await client.createConfig(c);
  }
  for (const c of plan.updateConfigs) {
    ctx.print(`Updating config ${c.name}`);
    await client.updateConfig(c.name, { data: c.data });
  }
}

/**
 * `stack deploy`: everything is read and checked before the first write (a bad file or a
 * missing external object deploys nothing). Then networks, secrets and configs; the services
 * are listed again (a secret update may have rolled some) and created, updated or, with
 * `--prune`, removed.
 */
export async function stackDeploy(
  ctx: CommandContext,
  name: string,
  flags: DeployFlags,
): Promise<void> {
  const stack = readStack(ctx, name, flags.composeFile ?? []);
  const client = ctx.client();
  const state = await clusterState(client);
  await writeResources(ctx, planResources(stack, state), state);
  const plan = planServices(stack, await client.listServices(), flags.prune ?? false);
  for (const s of plan.remove) {
    ctx.print(`Removing service ${s.name}`);
    await client.removeService(s.id);
  }
  for (const spec of plan.create) {
    ctx.print(`Creating service ${spec.name}`);
    await client.createService(spec);
  }
  for (const u of plan.update) {
    ctx.print(`Updating service ${u.spec.name} (id: ${u.id})`);
    await client.updateService(u.id, { version: u.version, spec: u.spec });
  }
  if (plan.create.length + plan.update.length + plan.remove.length === 0)
    ctx.note(`Stack ${name} is up to date (${plan.unchanged.length} services unchanged)`);
}
