import type { NodeRole } from '@swarmlet/api-types';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { forEachTarget } from '../errors.js';
import { nodeUpdateRequest, type NodeUpdateFlags } from '../parse/node-flags.js';
import { collect } from '../parse/words.js';

/**
 * Maps the ref `self` to the id of the node whose daemon the CLI talks to, asking the daemon
 * once and only if a ref needs it; other refs (id, id prefix, hostname) pass unchanged.
 */
export async function selfResolver(
  ctx: CommandContext,
  refs: readonly string[],
): Promise<(ref: string) => string> {
  const self = refs.includes('self') ? (await ctx.client().info()).nodeId : '';
  return (ref) => (ref === 'self' ? self : ref);
}

/** Docker's messages for `node promote` and `node demote`. */
export function roleChangedMessage(ref: string, role: NodeRole): string {
  return role === 'manager'
    ? `Node ${ref} promoted to a manager in the cluster.`
    : `Manager ${ref} demoted in the cluster.`;
}

/** Sets `role` on every node, skipping (with docker's note) those that have it already. */
async function changeRole(ctx: CommandContext, refs: string[], role: NodeRole): Promise<void> {
  const resolve = await selfResolver(ctx, refs);
  await forEachTarget(refs, async (arg) => {
    const ref = resolve(arg);
    const node = await ctx.client().getNode(ref);
    if (node.spec.role === role) return ctx.print(`Node ${ref} is already a ${role}.`);
    // A role change is a delta the daemon applies to the latest node: no version to race on.
    await ctx.client().updateNode(node.id, { role });
    ctx.print(roleChangedMessage(ref, role));
  });
}

/** `node promote`, `node demote`, `node update` and `node rm`. */
export function registerNodeWrites(node: Command, ctx: CommandContext): void {
  node
    .command('promote')
    .description('Promote one or more nodes to manager in the cluster')
    .argument('<node...>', 'node ids, hostnames or "self"')
    .action(async (refs: string[]) => changeRole(ctx, refs, 'manager'));

  node
    .command('demote')
    .description('Demote one or more nodes from manager in the cluster')
    .argument('<node...>', 'node ids, hostnames or "self"')
    .action(async (refs: string[]) => changeRole(ctx, refs, 'worker'));

  node
    .command('update')
    .description('Update a node')
    .argument('<node>', 'node id, hostname or "self"')
    .option(
      '--availability <availability>',
      'availability of the node ("active", "pause", "drain")',
    )
    .option('--label-add <key=value>', 'add or update a node label (repeatable)', collect)
    .option('--label-rm <key>', 'remove a node label if exists (repeatable)', collect)
    .action(async (arg: string, flags: NodeUpdateFlags) => {
      const req = nodeUpdateRequest(flags);
      const resolve = await selfResolver(ctx, [arg]);
      const updated = await ctx.client().updateNode(resolve(arg), req);
      ctx.print(updated.id);
    });

  node
    .command('rm')
    .alias('remove')
    .description('Remove one or more nodes from the cluster')
    .argument('<node...>', 'node ids, hostnames or "self"')
    .option('-f, --force', 'force remove a node that is still up')
    .action(async (refs: string[], flags: { force?: boolean }) => {
      const resolve = await selfResolver(ctx, refs);
      await forEachTarget(refs, async (ref) => {
        await ctx.client().removeNode(resolve(ref), { force: flags.force ?? false });
        ctx.print(ref);
      });
    });
}
