import type { InitRequest } from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { formatInfo } from '../format/nodes.js';
import { parseDuration } from '../parse/duration.js';
import { flagValue } from '../parse/service-flags.js';
import { parseCount } from '../parse/words.js';

interface InitFlags {
  clusterName?: string;
  heartbeatPeriod?: string;
  taskHistoryLimit?: string;
}

/** Flags of `init` to the request; pure. */
export function initRequest(f: InitFlags): InitRequest {
  const req: InitRequest = {};
  if (f.clusterName !== undefined) req.clusterName = f.clusterName;
  if (f.heartbeatPeriod !== undefined) {
    req.heartbeatPeriodMs = flagValue('--heartbeat-period', f.heartbeatPeriod, parseDuration);
  }
  if (f.taskHistoryLimit !== undefined) {
    req.taskHistoryRetentionLimit = parseCount('--task-history-limit', f.taskHistoryLimit);
  }
  return req;
}

/** `swarmlet init` and `swarmlet info`. */
export function registerClusterCommands(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('Initialize a cluster: this node becomes its first manager')
    .option('--cluster-name <name>', 'name of the cluster')
    .option('--heartbeat-period <duration>', 'period of agent heartbeats (e.g. 5s)')
    .option('--task-history-limit <n>', 'finished tasks kept per slot')
    .action(async (flags: InitFlags) => {
      const cluster = await ctx.client().init(initRequest(flags));
      const info = await ctx.client().info();
      ctx.print(`Cluster initialized: current node (${info.nodeId}) is now a manager.`);
      ctx.print(`Cluster ID: ${cluster.id}`);
    });

  program
    .command('info')
    .description('Display information about the daemon and its cluster')
    .option('--format <format>', 'output format: json')
    .action(async (flags: { format?: string }) => {
      const format = outputFormat(flags.format);
      const info = await ctx.client().info();
      if (format === 'json') return ctx.printJson(info);
      ctx.print(formatInfo(info, ctx.client().target));
    });
}
