import type { NetworkCreateRequest } from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { forEachTarget, UsageError } from '../errors.js';
import { formatNetworkTable } from '../format/networks.js';
import { collect, parseLabels } from '../parse/words.js';

interface CreateFlags {
  driver?: string;
  subnet?: string;
  attachable?: boolean;
  label?: string[];
}

/** `network create` flags to the request; pure. */
export function networkCreateRequest(name: string, f: CreateFlags): NetworkCreateRequest {
  const req: NetworkCreateRequest = { name };
  if (f.driver !== undefined) {
    if (f.driver !== 'overlay') {
      throw new UsageError(
        `invalid argument "${f.driver}" for "--driver": only the overlay driver is supported`,
      );
    }
    req.driver = 'overlay';
  }
  if (f.subnet !== undefined) req.subnet = f.subnet;
  if (f.attachable) req.attachable = true;
  if (f.label?.length) req.labels = parseLabels('--label', f.label);
  return req;
}

/** `network create|ls|inspect|rm`. */
export function registerNetworkCommands(program: Command, ctx: CommandContext): void {
  const network = program.command('network').description('Manage overlay networks');
  network
    .command('create')
    .description('Create an overlay network')
    .argument('<name>', 'network name')
    .option('-d, --driver <driver>', 'network driver (overlay)')
    .option('--subnet <cidr>', 'subnet (default: the next free one of the cluster pools)')
    .option('--attachable', 'let standalone containers attach')
    .option('--label <K=V>', 'network label (repeatable)', collect)
    .action(async (name: string, flags: CreateFlags) => {
      const n = await ctx.client().createNetwork(networkCreateRequest(name, flags));
      ctx.print(n.id);
    });
  network
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('--format <format>', 'output format: table or json')
    .option('-q, --quiet', 'only display ids')
    .action(async (flags: { format?: string; quiet?: boolean }) => {
      const format = outputFormat(flags.format);
      const networks = await ctx.client().listNetworks();
      if (format === 'json') return ctx.printJson(networks);
      if (flags.quiet) return ctx.printLines(networks.map((n) => n.id));
      ctx.print(formatNetworkTable(networks));
    });
  network
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .argument('<network...>', 'network names or ids')
    .action(async (refs: string[]) => {
      const found: unknown[] = [];
      try {
        await forEachTarget(
          refs,
          async (ref) => void found.push(await ctx.client().getNetwork(ref)),
        );
      } finally {
        ctx.printJson(found);
      }
    });
  network
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks (refused while a service uses them)')
    .argument('<network...>', 'network names or ids')
    .action(async (refs: string[]) => {
      await forEachTarget(refs, async (ref) => {
        await ctx.client().removeNetwork(ref);
        ctx.print(ref);
      });
    });
}
