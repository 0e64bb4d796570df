import type { Config } from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { forEachTarget } from '../errors.js';
import { formatConfigPretty, formatConfigTable } from '../format/secrets.js';
import { collect } from '../parse/words.js';
import { dataCreateRequest } from './secret.js';
import { processStdin, readData } from './secret-data.js';

async function configInspect(ctx: CommandContext, refs: string[], pretty: boolean): Promise<void> {
  const found: Config[] = [];
  try {
    await forEachTarget(refs, async (ref) => {
      const config = await ctx.client().getConfig(ref);
      if (pretty) ctx.print(formatConfigPretty(config));
      else found.push(config);
    });
  } finally {
    if (!pretty) ctx.printJson(found);
  }
}

/** `config update` and `config rm`. */
function registerConfigWrites(config: Command, ctx: CommandContext): void {
  config
    .command('update')
    .description('Give a config a new value; running tasks see it in place, without a restart')
    .argument('<config>', 'config name or id')
    .argument('<file>', 'file holding the new value, or - for stdin')
    .action(async (ref: string, file: string) => {
      const data = (await readData('config', file, processStdin())).toString('base64');
      const c = await ctx.client().updateConfig(ref, { data });
      ctx.print(c.id);
      ctx.note(
        `Config "${c.spec.name}" updated; running tasks see the new value in their mounted ` +
          'file within seconds (no restart).',
      );
    });
  config
    .command('rm')
    .alias('remove')
    .description('Remove one or more configs (refused while a service uses them)')
    .argument('<config...>', 'config names or ids')
    .action(async (refs: string[]) =>
      forEachTarget(refs, async (ref) => {
        await ctx.client().removeConfig(ref);
        ctx.print(ref);
      }),
    );
}

/** `swarmlet config create|ls|inspect|update|rm`. Unlike secrets, configs show their data. */
export function registerConfigCommands(program: Command, ctx: CommandContext): void {
  const config = program.command('config').description('Manage configs');
  config
    .command('create')
    .description('Create a config from a file or stdin ("-"); prints its id')
    .argument('<name>', 'config name')
    .argument('<file>', 'file holding the value (at most 1000 KB), or - for stdin')
    .option('-l, --label <K=V>', 'config label (repeatable)', collect)
    .action(async (name: string, file: string, flags: { label?: string[] }) => {
      const req = dataCreateRequest(name, flags);
      req.data = (await readData('config', file, processStdin())).toString('base64');
      ctx.print((await ctx.client().createConfig(req)).id);
    });
  config
    .command('ls')
    .alias('list')
    .description('List configs')
    .option('--format <format>', 'output format: table or json')
    .option('-q, --quiet', 'only display ids')
    .action(async (flags: { format?: string; quiet?: boolean }) => {
      const format = outputFormat(flags.format);
      const configs = await ctx.client().listConfigs();
      if (format === 'json') return ctx.printJson(configs);
      if (flags.quiet) return ctx.printLines(configs.map((c) => c.id));
      ctx.print(formatConfigTable(configs, ctx.now()));
    });
  config
    .command('inspect')
    .description('Display detailed information on one or more configs (data in base64)')
    .argument('<config...>', 'config names or ids')
    .option('--pretty', 'print the information in a human friendly format, with the data decoded')
    .action(async (refs: string[], flags: { pretty?: boolean }) =>
      configInspect(ctx, refs, flags.pretty ?? false),
    );
  registerConfigWrites(config, ctx);
}
