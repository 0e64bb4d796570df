import {
  SECRET_TYPES,
  type DataCreateRequest,
  type SecretType,
  type SecretView,
} from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { forEachTarget } from '../errors.js';
import { formatSecretPretty, formatSecretTable } from '../format/secrets.js';
import { oneOf } from '../parse/service-flags.js';
import { collect, parseLabels } from '../parse/words.js';
import { processStdin, readData } from './secret-data.js';

/** Flags of `secret create` and `config create` (`type` is for secrets only). */
export interface DataCreateFlags {
  label?: string[];
  type?: string;
}

/**
 * `secret create`/`config create` flags to the request, without the data; pure. Throws
 * `UsageError` for a bad label or type, before any file or stdin is read.
 */
export function dataCreateRequest(name: string, f: DataCreateFlags): DataCreateRequest {
  const req: DataCreateRequest = { name, data: '' };
  if (f.label?.length) req.labels = parseLabels('--label', f.label);
  if (f.type !== undefined) req.type = oneOf<SecretType>('--type', f.type, SECRET_TYPES);
  return req;
}

async function secretInspect(ctx: CommandContext, refs: string[], pretty: boolean): Promise<void> {
  const found: SecretView[] = [];
  try {
    await forEachTarget(refs, async (ref) => {
      const secret = await ctx.client().getSecret(ref);
      if (pretty) ctx.print(formatSecretPretty(secret, ctx.now()));
      else found.push(secret);
    });
  } finally {
    if (!pretty) ctx.printJson(found);
  }
}

/** `secret update` and `secret rm`. */
function registerSecretWrites(secret: Command, ctx: CommandContext): void {
  secret
    .command('update')
    .description('Give a secret a new value; services using it roll their tasks onto it')
    .argument('<secret>', 'secret name or id')
    .argument('<file>', 'file holding the new value, or - for stdin')
    .action(async (ref: string, file: string) => {
      const data = (await readData('secret', file, processStdin())).toString('base64');
      const s = await ctx.client().updateSecret(ref, { data });
      ctx.print(s.id);
      ctx.note(
        `Secret "${s.spec.name}" updated; services using it are rolling their tasks onto the ` +
          `new value (see 'swarmlet service ps').`,
      );
    });
  secret
    .command('rm')
    .alias('remove')
    .description('Remove one or more secrets (refused while a service uses them)')
    .argument('<secret...>', 'secret names or ids')
    .action(async (refs: string[]) =>
      forEachTarget(refs, async (ref) => {
        await ctx.client().removeSecret(ref);
        ctx.print(ref);
      }),
    );
}

/** `swarmlet secret create|ls|inspect|update|rm`. Secret values are sent, never shown. */
export function registerSecretCommands(program: Command, ctx: CommandContext): void {
  const secret = program.command('secret').description('Manage secrets');
  secret
    .command('create')
    .description('Create a secret from a file or stdin ("-"); prints its id')
    .argument('<name>', 'secret name')
    .argument('<file>', 'file holding the value (at most 500 KB), or - for stdin')
    .option('-l, --label <K=V>', 'secret label (repeatable)', collect)
    .option('--type <type>', 'opaque (default) or tls (a PEM certificate chain and its key)')
    .action(async (name: string, file: string, flags: DataCreateFlags) => {
      const req = dataCreateRequest(name, flags);
      req.data = (await readData('secret', file, processStdin())).toString('base64');
      ctx.print((await ctx.client().createSecret(req)).id);
    });
  secret
    .command('ls')
    .alias('list')
    .description('List secrets')
    .option('--format <format>', 'output format: table or json')
    .option('-q, --quiet', 'only display ids')
    .action(async (flags: { format?: string; quiet?: boolean }) => {
      const format = outputFormat(flags.format);
      const secrets = await ctx.client().listSecrets();
      if (format === 'json') return ctx.printJson(secrets);
      if (flags.quiet) return ctx.printLines(secrets.map((s) => s.id));
      ctx.print(formatSecretTable(secrets, ctx.now()));
    });
  secret
    .command('inspect')
    .description('Display detailed information on one or more secrets (never their values)')
    .argument('<secret...>', 'secret names or ids')
    .option('--pretty', 'print the information in a human friendly format')
    .action(async (refs: string[], flags: { pretty?: boolean }) =>
      secretInspect(ctx, refs, flags.pretty ?? false),
    );
  registerSecretWrites(secret, ctx);
}
