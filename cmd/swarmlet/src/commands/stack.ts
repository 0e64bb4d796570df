import type { Task } from '@swarmlet/api-types';
import { listStacks, planRemove, stackServices } from '@swarmlet/stack';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { ManyErrors, messageOf } from '../errors.js';
import { formatServiceTable } from '../format/services.js';
import { formatTable, truncateId } from '../format/table.js';
import { formatTaskTable, sortTasks, taskName } from '../format/tasks.js';
import { collect } from '../parse/words.js';
import { parsePsFilters } from './service-read.js';
import { clusterState, stackDeploy, type DeployFlags } from './stack-deploy.js';

interface ListFlags {
  format?: string;
  quiet?: boolean;
}

async function stackLs(ctx: CommandContext, flags: ListFlags): Promise<void> {
  const format = outputFormat(flags.format);
  const stacks = listStacks(await ctx.client().listServices());
  if (format === 'json') return ctx.printJson(stacks);
  ctx.print(
    formatTable(
      ['NAME', 'SERVICES'],
      stacks.map((s) => [s.name, String(s.services)]),
    ),
  );
}

async function stackServicesCmd(
  ctx: CommandContext,
  name: string,
  flags: ListFlags,
): Promise<void> {
  const format = outputFormat(flags.format);
  const services = stackServices(await ctx.client().listServices(), name);
  if (services.length === 0) return ctx.note(`Nothing found in stack: ${name}`);
  if (format === 'json') return ctx.printJson(services);
  if (flags.quiet) return ctx.printLines(services.map((s) => truncateId(s.id)));
  ctx.print(formatServiceTable(services));
}

interface PsFlags extends ListFlags {
  trunc?: boolean;
  filter?: string[];
}

async function stackPs(ctx: CommandContext, name: string, flags: PsFlags): Promise<void> {
  const format = outputFormat(flags.format);
  const filters = parsePsFilters(flags.filter ?? []);
  const noTrunc = flags.trunc === false;
  const client = ctx.client();
  const tasks: Task[] = [];
  for (const s of stackServices(await client.listServices(), name))
    tasks.push(...(await client.listTasks({ ...filters.server, service: s.id })));
  const shown = sortTasks(
    tasks.filter(
      (t) =>
        (filters.id === undefined || t.id.startsWith(filters.id)) &&
        (filters.name === undefined || taskName(t).startsWith(filters.name)),
    ),
  );
  if (shown.length === 0) throw new Error(`nothing found in stack: ${name}`);
  if (format === 'json') return ctx.printJson(shown);
  if (flags.quiet) return ctx.printLines(shown.map((t) => (noTrunc ? t.id : truncateId(t.id))));
  ctx.print(formatTaskTable(shown, await client.listNodes(), { noTrunc, now: ctx.now() }));
}

/**
 * `stack rm`: each stack's services, then its secrets, configs and networks (all found by the
 * namespace label; volumes stay, as in Docker). Failures are reported after trying the rest.
 */
async function stackRm(ctx: CommandContext, names: string[]): Promise<void> {
  const client = ctx.client();
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    ctx.print(`Removing ${what}`);
    await fn().catch(
      (err: unknown) => void errors.push(`failed to remove ${what}: ${messageOf(err)}`),
    );
  };
  for (const name of names) {
    const plan = planRemove(name, await clusterState(client));
    const total =
      plan.services.length + plan.networks.length + plan.secrets.length + plan.configs.length;
    if (total === 0) {
      ctx.note(`Nothing found in stack: ${name}`);
      continue;
    }
    for (const s of plan.services) await attempt(`service ${s}`, () => client.removeService(s));
    for (const s of plan.secrets) await attempt(`secret ${s}`, () => client.removeSecret(s));
    for (const c of plan.configs) await attempt(`config ${c}`, () => client.removeConfig(c));
    for (const n of plan.networks) await attempt(`network ${n}`, () => client.removeNetwork(n));
  }
  if (errors.length > 0) throw new ManyErrors(errors);
}

/** `swarmlet stack deploy|ls|services|ps|rm`: compose files as Docker's `docker stack`. */
export function registerStackCommands(program: Command, ctx: CommandContext): void {
  const stack = program.command('stack').description('Manage stacks (services from compose files)');
  stack
    .command('deploy')
    .alias('up')
    .description('Deploy a new stack or update an existing one from compose files')
    .argument('<stack>', 'stack name')
    .option('-c, --compose-file <file>', 'compose file (repeatable; later files override)', collect)
    .option('--prune', "remove the stack's services that the files no longer have")
    .action(async (name: string, flags: DeployFlags) => stackDeploy(ctx, name, flags));
  stack
    .command('ls')
    .alias('list')
    .description('List stacks')
    .option('--format <format>', 'output format: table or json')
    .action(async (flags: ListFlags) => stackLs(ctx, flags));
  stack
    .command('services')
    .description('List the services of a stack')
    .argument('<stack>', 'stack name')
    .option('--format <format>', 'output format: table or json')
    .option('-q, --quiet', 'only display ids')
    .action(async (name: string, flags: ListFlags) => stackServicesCmd(ctx, name, flags));
  stack
    .command('ps')
    .description('List the tasks of a stack')
    .argument('<stack>', 'stack name')
    .option('--format <format>', 'output format: table or json')
    .option('--no-trunc', 'do not truncate output')
    .option('-q, --quiet', 'only display task ids')
    .option(
      '-f, --filter <key=value>',
      'filter: desired-state, node, id, name (repeatable)',
      collect,
    )
    .action(async (name: string, flags: PsFlags) => stackPs(ctx, name, flags));
  stack
    .command('rm')
    .aliases(['remove', 'down'])
    .description('Remove one or more stacks (services, networks, secrets, configs; not volumes)')
    .argument('<stack...>', 'stack names')
    .action(async (names: string[]) => stackRm(ctx, names));
}
