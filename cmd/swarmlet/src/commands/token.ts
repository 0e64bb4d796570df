import {
  API_TOKEN_ROLES,
  type ApiTokenCreateRequest,
  type ApiTokenRole,
} from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { forEachTarget } from '../errors.js';
import { formatTokenTable } from '../format/tokens.js';
import { oneOf } from '../parse/service-flags.js';

/** `token create` flags and name to the request; pure. Throws `UsageError` for a bad role. */
export function tokenCreateRequest(name: string, f: { role?: string }): ApiTokenCreateRequest {
  const req: ApiTokenCreateRequest = { name };
  if (f.role !== undefined) req.role = oneOf<ApiTokenRole>('--role', f.role, API_TOKEN_ROLES);
  return req;
}

/** `swarmlet token create|ls|rm`: bearer tokens for the API over TCP. */
export function registerTokenCommands(program: Command, ctx: CommandContext): void {
  const token = program.command('token').description('Manage API tokens for remote clients');
  token
    .command('create')
    .description('Create an API token (printed once, alone on stdout)')
    .argument('<name>', 'name of the token')
    .option('--role <role>', 'admin (default) or readonly')
    .action(async (name: string, flags: { role?: string }) => {
      const created = await ctx.client().createApiToken(tokenCreateRequest(name, flags));
      ctx.print(created.token);
      ctx.note(
        `Token "${created.name}" (${created.id}, role ${created.role}) created. ` +
          'It is shown only this once: store it now (swarmlet --token or SWARMLET_TOKEN).',
      );
    });

  token
    .command('ls')
    .alias('list')
    .description('List API tokens')
    .option('--format <format>', 'output format: table or json')
    .option('-q, --quiet', 'only display ids')
    .action(async (flags: { format?: string; quiet?: boolean }) => {
      const format = outputFormat(flags.format);
      const tokens = await ctx.client().listApiTokens();
      if (format === 'json') return ctx.printJson(tokens);
      if (flags.quiet) return ctx.printLines(tokens.map((t) => t.id));
      ctx.print(formatTokenTable(tokens, ctx.now()));
    });

  token
    .command('rm')
    .alias('remove')
    .description('Revoke one or more API tokens')
    .argument('<token...>', 'token ids or names')
    .action(async (refs: string[]) =>
      forEachTarget(refs, async (ref) => {
        await ctx.client().removeApiToken(ref);
        ctx.print(ref);
      }),
    );
}
