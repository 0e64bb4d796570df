import type { JoinRequest } from '@swarmlet/api-types';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { joinAddr, joinInstructions, type JoinRole } from '../format/swarm.js';
import { addrFlag, managerAddrArg } from '../parse/addr.js';

interface JoinFlags {
  token: string;
  advertiseAddr?: string;
  listenAddr?: string;
}

/** `join` flags and argument to the request; pure. Throws `UsageError` for a bad address. */
export function joinRequest(remote: string, f: JoinFlags): JoinRequest {
  const token = f.token.trim();
  if (token === '') throw new UsageError('--token must not be empty');
  const req: JoinRequest = { token, remoteAddr: managerAddrArg(remote) };
  const advertiseAddr = addrFlag('--advertise-addr', f.advertiseAddr);
  if (advertiseAddr !== undefined) req.advertiseAddr = advertiseAddr;
  const listenAddr = addrFlag('--listen-addr', f.listenAddr);
  if (listenAddr !== undefined) req.listenAddr = listenAddr;
  return req;
}

/** The role argument of `join-token`. */
export function joinRole(arg: string): JoinRole {
  if (arg === 'worker' || arg === 'manager') return arg;
  throw new UsageError(`unknown role "${arg}": use worker or manager`);
}

interface JoinTokenFlags {
  rotate?: boolean;
  quiet?: boolean;
}

async function joinToken(ctx: CommandContext, arg: string, flags: JoinTokenFlags): Promise<void> {
  const role = joinRole(arg);
  if (flags.rotate) {
    await ctx.client().rotateJoinToken(role);
    if (!flags.quiet) ctx.print(`Successfully rotated ${role} join token.\n\n`);
  }
  // Read after rotating: the token printed is the one now in force.
  const tokens = await ctx.client().joinTokens();
  if (flags.quiet) return ctx.print(tokens[role]);
  const info = await ctx.client().info();
  ctx.print(joinInstructions(role, tokens[role], joinAddr(info)));
}

/** `swarmlet join`, `swarmlet join-token` and `swarmlet leave` (docker's `swarm` commands). */
export function registerSwarmCommands(program: Command, ctx: CommandContext): void {
  program
    .command('join')
    .description('Join a cluster as a worker or a manager (the token decides)')
    .argument('<manager-addr[:port]>', 'address of a manager (port 4242)')
    .requiredOption('--token <token>', 'join token (swarmlet join-token worker|manager)')
    .option('--advertise-addr <addr[:port]>', 'address other nodes reach this node at')
    .option('--listen-addr <addr[:port]>', 'address the cluster port listens on')
    .action(async (remote: string, flags: JoinFlags) => {
      const joined = await ctx.client().join(joinRequest(remote, flags));
      ctx.print(`This node joined a cluster as a ${joined.role}.`);
    });

  program
    .command('join-token')
    .description('Manage join tokens')
    .argument('<worker|manager>', 'role the token admits')
    .option('--rotate', 'rotate the join token')
    .option('-q, --quiet', 'only display the token')
    .action(async (role: string, flags: JoinTokenFlags) => joinToken(ctx, role, flags));

  program
    .command('leave')
    .description('Leave the cluster')
    .option('-f, --force', 'leave even if this node is a manager (can cost the quorum)')
    .action(async (flags: { force?: boolean }) => {
      await ctx.client().leave({ force: flags.force ?? false });
      ctx.print('Node left the cluster.');
    });
}
