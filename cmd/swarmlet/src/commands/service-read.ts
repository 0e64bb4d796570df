import type { Task, TaskFilter, TaskState } from '@swarmlet/api-types';
import { TASK_STATES } from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { invalidFlag, forEachTarget, UsageError } from '../errors.js';
import { formatServicePretty, formatServiceTable } from '../format/services.js';
import { truncateId } from '../format/table.js';
import { formatTaskTable, sortTasks, taskName } from '../format/tasks.js';
import { collect } from '../parse/words.js';

/** Parsed `service ps --filter` values: server-side filters plus client-side id/name prefixes. */
export interface PsFilters {
  server: Omit<TaskFilter, 'service'>;
  id?: string;
  name?: string;
}

/** `desired-state=running`, `node=host-1`, `id=abc`, `name=web.1` → filters; pure. */
export function parsePsFilters(values: readonly string[]): PsFilters {
  const filters: PsFilters = { server: {} };
  for (const v of values) {
    const [key = '', value = ''] = [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)];
    if (!v.includes('=') || value === '') throw invalidFlag('--filter', v, 'expected key=value');
    if (key === 'desired-state') {
      if (!(TASK_STATES as readonly string[]).includes(value)) {
        throw invalidFlag(
          '--filter',
          v,
          'desired-state must be a task state such as running or shutdown',
        );
      }
      filters.server.desiredState = value as TaskState;
    } else if (key === 'node') filters.server.node = value;
    else if (key === 'id') filters.id = value;
    else if (key === 'name') filters.name = value;
    else
      throw new UsageError(`invalid filter '${key}': supported are desired-state, node, id, name`);
  }
  return filters;
}

function matches(t: Task, f: PsFilters): boolean {
  return (
    (f.id === undefined || t.id.startsWith(f.id)) &&
    (f.name === undefined || taskName(t).startsWith(f.name))
  );
}

interface PsFlags {
  format?: string;
  noTrunc?: boolean;
  quiet?: boolean;
  filter?: string[];
}

async function servicePs(ctx: CommandContext, refs: string[], flags: PsFlags): Promise<void> {
  const format = outputFormat(flags.format);
  const filters = parsePsFilters(flags.filter ?? []);
  const client = ctx.client();
  const tasks: Task[] = [];
  for (const ref of refs) {
    const service = await client.getService(ref);
    tasks.push(...(await client.listTasks({ ...filters.server, service: service.id })));
  }
  const shown = sortTasks(tasks.filter((t) => matches(t, filters)));
  if (format === 'json') return ctx.printJson(shown);
  if (flags.quiet)
    return ctx.printLines(shown.map((t) => (flags.noTrunc ? t.id : truncateId(t.id))));
  const nodes = await client.listNodes();
  ctx.print(formatTaskTable(shown, nodes, { noTrunc: flags.noTrunc ?? false, now: ctx.now() }));
}

async function serviceInspect(ctx: CommandContext, refs: string[], pretty: boolean): Promise<void> {
  const found: unknown[] = [];
  try {
    await forEachTarget(refs, async (ref) => {
      const s = await ctx.client().getService(ref);
      if (pretty) ctx.print(formatServicePretty(s));
      else found.push(s);
    });
  } finally {
    if (!pretty) ctx.printJson(found);
  }
}

/** `service ls`, `service ps` and `service inspect`. */
export function registerServiceReads(service: Command, ctx: CommandContext): void {
  service
    .command('ls')
    .alias('list')
    .description('List services')
    .option('--format <format>', 'output format: table or json')
    .option('-q, --quiet', 'only display ids')
    .action(async (flags: { format?: string; quiet?: boolean }) => {
      const format = outputFormat(flags.format);
      const services = await ctx.client().listServices();
      if (format === 'json') return ctx.printJson(services);
      if (flags.quiet) return ctx.printLines(services.map((s) => truncateId(s.id)));
      ctx.print(formatServiceTable(services));
    });

  service
    .command('ps')
    .description('List the tasks of one or more services')
    .argument('<service...>', 'service names or ids')
    .option('--format <format>', 'output format: table or json')
    .option('--no-trunc', 'do not truncate output')
    .option('-q, --quiet', 'only display task ids')
    .option(
      '-f, --filter <key=value>',
      'filter: desired-state, node, id, name (repeatable)',
      collect,
    )
    .action(async (refs: string[], flags: { trunc?: boolean } & Omit<PsFlags, 'noTrunc'>) =>
      servicePs(ctx, refs, { ...flags, noTrunc: flags.trunc === false }),
    );

  service
    .command('inspect')
    .description('Display detailed information on one or more services')
    .argument('<service...>', 'service names or ids')
    .option('--pretty', 'print the information in a human friendly format')
    .action(async (refs: string[], flags: { pretty?: boolean }) =>
      serviceInspect(ctx, refs, flags.pretty ?? false),
    );
}
