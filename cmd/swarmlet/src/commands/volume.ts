import type { NodeNotice, NodeVolume } from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { forEachTarget } from '../errors.js';
import { formatTable } from '../format/table.js';

/** `volume ls` table: NODE, DRIVER, VOLUME NAME (docker's columns, with the node first). */
export function formatVolumeTable(volumes: readonly NodeVolume[]): string {
  return formatTable(
    ['NODE', 'DRIVER', 'VOLUME NAME'],
    volumes.map((v) => [v.nodeName || v.nodeId, v.driver, v.name]),
  );
}

function warn(ctx: CommandContext, notices: readonly NodeNotice[]): void {
  for (const n of notices) ctx.note(`Warning: ${n.message}`);
}

/** `volume ls [--node NODE]` and `volume rm [--node NODE] NAME...`, through the agents. */
export function registerVolumeCommands(program: Command, ctx: CommandContext): void {
  const volume = program.command('volume').description('Manage named volumes on the nodes');
  volume
    .command('ls')
    .alias('list')
    .description('List named volumes of every node (or of one node)')
    .option('--node <node>', 'only this node (id, id prefix or hostname)')
    .option('--format <format>', 'output format: table or json')
    .option('-q, --quiet', 'only display volume names')
    .action(async (flags: { node?: string; format?: string; quiet?: boolean }) => {
      const format = outputFormat(flags.format);
      const { volumes, notices } = await ctx
        .client()
        .listVolumes(flags.node === undefined ? {} : { node: flags.node });
      warn(ctx, notices);
      if (format === 'json') return ctx.printJson(volumes);
      if (flags.quiet) return ctx.printLines([...new Set(volumes.map((v) => v.name))]);
      ctx.print(formatVolumeTable(volumes));
    });
  volume
    .command('rm')
    .alias('remove')
    .description('Remove named volumes from a node, or from every node that has them')
    .argument('<volume...>', 'volume names')
    .option('--node <node>', 'only on this node (id, id prefix or hostname)')
    .action(async (names: string[], flags: { node?: string }) => {
      const req = flags.node === undefined ? {} : { node: flags.node };
      await forEachTarget(names, async (name) => {
        const removed = await ctx.client().removeVolume(name, req);
        warn(ctx, removed.notices);
        ctx.print(name);
      });
    });
}
