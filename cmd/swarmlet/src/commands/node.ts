import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { forEachTarget } from '../errors.js';
import { formatNodePretty, formatNodeTable } from '../format/nodes.js';
import { registerNodeWrites, selfResolver } from './node-write.js';

async function nodeInspect(ctx: CommandContext, refs: string[], pretty: boolean): Promise<void> {
  const found: unknown[] = [];
  const resolve = await selfResolver(ctx, refs);
  try {
    await forEachTarget(refs, async (ref) => {
      const node = await ctx.client().getNode(resolve(ref));
      if (pretty) ctx.print(formatNodePretty(node));
      else found.push(node);
    });
  } finally {
    if (!pretty) ctx.printJson(found);
  }
}

/** `node ls`, `node inspect` and the writes of `node-write.ts`. */
export function registerNodeCommands(program: Command, ctx: CommandContext): void {
  const node = program.command('node').description('Manage cluster nodes');
  node
    .command('ls')
    .alias('list')
    .description('List nodes in the cluster')
    .option('--format <format>', 'output format: table or json')
    .option('-q, --quiet', 'only display ids')
    .action(async (flags: { format?: string; quiet?: boolean }) => {
      const format = outputFormat(flags.format);
      const nodes = await ctx.client().listNodes();
      if (format === 'json') return ctx.printJson(nodes);
      if (flags.quiet) return ctx.printLines(nodes.map((n) => n.id));
      const self = (await ctx.client().info()).nodeId;
      ctx.print(formatNodeTable(nodes, self));
    });
  node
    .command('inspect')
    .description('Display detailed information on one or more nodes ("self" is this node)')
    .argument('<node...>', 'node ids, hostnames or "self"')
    .option('--pretty', 'print the information in a human friendly format')
    .action(async (refs: string[], flags: { pretty?: boolean }) =>
      nodeInspect(ctx, refs, flags.pretty ?? false),
    );
  registerNodeWrites(node, ctx);
}
