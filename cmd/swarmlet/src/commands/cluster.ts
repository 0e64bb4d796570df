import type { InitRequest } from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { invalidFlag } from '../errors.js';
import { formatInfo } from '../format/nodes.js';
import { initMessage } from '../format/swarm.js';
import { unlockKeyMessage } from './autolock.js';
import { addrFlag } from '../parse/addr.js';
import { parseDuration } from '../parse/duration.js';
import { flagValue } from '../parse/service-flags.js';
import { collect, parseCount } from '../parse/words.js';

interface InitFlags {
  clusterName?: string;
  heartbeatPeriod?: string;
  taskHistoryLimit?: string;
  advertiseAddr?: string;
  listenAddr?: string;
  certExpiry?: string;
  forceNewCluster?: boolean;
  defaultAddrPool?: string[];
  defaultAddrPoolMaskLen?: string;
  autolock?: boolean;
}

/** Shortest certificate lifetime the daemon accepts (meant for tests). */
const MIN_CERT_EXPIRY_MS = 10_000;

function certExpiryMs(value: string): number {
  const ms = flagValue('--cert-expiry', value, parseDuration);
  if (ms < MIN_CERT_EXPIRY_MS) throw invalidFlag('--cert-expiry', value, 'must be at least 10s');
  return ms;
}

/** Flags of `init` to the request; pure. Throws `UsageError` naming the flag for a bad value. */
export function initRequest(f: InitFlags): InitRequest {
  const req: InitRequest = {};
  if (f.clusterName !== undefined) req.clusterName = f.clusterName;
  if (f.heartbeatPeriod !== undefined) {
    req.heartbeatPeriodMs = flagValue('--heartbeat-period', f.heartbeatPeriod, parseDuration);
  }
  if (f.taskHistoryLimit !== undefined) {
    req.taskHistoryRetentionLimit = parseCount('--task-history-limit', f.taskHistoryLimit);
  }
  const advertiseAddr = addrFlag('--advertise-addr', f.advertiseAddr);
  if (advertiseAddr !== undefined) req.advertiseAddr = advertiseAddr;
  const listenAddr = addrFlag('--listen-addr', f.listenAddr);
  if (listenAddr !== undefined) req.listenAddr = listenAddr;
  if (f.certExpiry !== undefined) req.certExpiryMs = certExpiryMs(f.certExpiry);
  if (f.forceNewCluster) req.forceNewCluster = true;
  if (f.defaultAddrPool?.length) req.defaultAddrPool = f.defaultAddrPool;
  if (f.defaultAddrPoolMaskLen !== undefined) {
    const n = parseCount('--default-addr-pool-mask-len', f.defaultAddrPoolMaskLen);
    if (n < 8 || n > 29) {
      throw invalidFlag('--default-addr-pool-mask-len', f.defaultAddrPoolMaskLen, 'use 8-29');
    }
    req.defaultAddrPoolMaskLen = n;
  }
  return req;
}

async function init(ctx: CommandContext, flags: InitFlags): Promise<void> {
  const cluster = await ctx.client().init(initRequest(flags));
  if (flags.forceNewCluster) {
    ctx.print("Cluster forced to a new single-manager cluster from this node's state.");
    ctx.print(`Cluster ID: ${cluster.id}`);
    ctx.print("The other managers must join again ('swarmlet join-token manager').");
    return;
  }
  const [info, tokens] = await Promise.all([ctx.client().info(), ctx.client().joinTokens()]);
  ctx.print(initMessage(info, tokens.worker));
  if (flags.autolock) {
    const res = await ctx.client().updateSwarm({ autolock: true });
    if (res.unlockKey) ctx.print(`\n${unlockKeyMessage(res.unlockKey)}`);
  }
}

/** `swarmlet init` and `swarmlet info`. */
export function registerClusterCommands(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('Initialize a cluster: this node becomes its first manager')
    .option('--advertise-addr <addr[:port]>', 'address other nodes reach this node at (port 4242)')
    .option('--listen-addr <addr[:port]>', 'address the cluster port listens on')
    .option('--cert-expiry <duration>', 'validity of node certificates (e.g. 90d)')
    .option('--force-new-cluster', "force a new cluster from this manager's state")
    .option('--default-addr-pool <cidr>', 'address pool of overlay subnets (repeatable)', collect)
    .option('--default-addr-pool-mask-len <n>', 'prefix length of each overlay subnet (24)')
    .option('--cluster-name <name>', 'name of the cluster')
    .option('--heartbeat-period <duration>', 'period of agent heartbeats (e.g. 5s)')
    .option('--task-history-limit <n>', 'finished tasks kept per slot')
    .option('--autolock', "lock managers' data keys with an unlock key (printed once)")
    .action(async (flags: InitFlags) => init(ctx, flags));

  program
    .command('info')
    .description('Display information about the daemon and its cluster')
    .option('--format <format>', 'output format: json')
    .action(async (flags: { format?: string }) => {
      const format = outputFormat(flags.format);
      const info = await ctx.client().info();
      if (format === 'json') return ctx.printJson(info);
      ctx.print(formatInfo(info, ctx.client().target, ctx.now()));
    });
}
