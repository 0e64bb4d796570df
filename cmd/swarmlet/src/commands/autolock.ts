import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { processStdin } from './secret-data.js';

/** What `init --autolock`, `update --autolock=true` and `unlock-key --rotate` print. */
export function unlockKeyMessage(key: string): string {
  return [
    'To unlock a swarmlet manager after it restarts, run `swarmlet unlock` and provide',
    'the following key:',
    '',
    `    ${key}`,
    '',
    'Remember to store this key in a password manager: without it a restarted manager',
    'cannot read its state.',
  ].join('\n');
}

/** `--autolock=true|false` (docker's form). */
export function autolockFlag(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`invalid --autolock "${value}": use true or false`);
}

/** The first line of stdin, trimmed (the unlock key). */
async function readKey(): Promise<string> {
  let text = '';
  for await (const chunk of processStdin()) {
    text += Buffer.from(chunk).toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  const key = text.split('\n')[0]?.trim() ?? '';
  if (key === '') throw new UsageError('no unlock key given on standard input');
  return key;
}

/** `swarmlet update --autolock`, `swarmlet unlock-key`, `swarmlet unlock`. */
export function registerAutolockCommands(program: Command, ctx: CommandContext): void {
  program
    .command('update')
    .description('Update the cluster: turn autolock of managers on or off')
    .requiredOption('--autolock <true|false>', "lock managers' data keys with an unlock key")
    .action(async (flags: { autolock: string }) => {
      const autolock = autolockFlag(flags.autolock);
      const res = await ctx.client().updateSwarm({ autolock });
      if (autolock && res.unlockKey) ctx.print(unlockKeyMessage(res.unlockKey));
      else ctx.print('Autolock is off: restarted managers start without an unlock key.');
    });

  program
    .command('unlock-key')
    .description('Show or rotate the unlock key of an autolocked cluster')
    .option('--rotate', 'replace the key (managers rewrap their data keys with the new one)')
    .option('-q, --quiet', 'print the key only')
    .action(async (flags: { rotate?: boolean; quiet?: boolean }) => {
      const res = await ctx.client().unlockKey(flags.rotate ?? false);
      const key = res.unlockKey ?? '';
      if (flags.quiet) return ctx.print(key);
      if (flags.rotate) ctx.print('Successfully rotated the unlock key.');
      ctx.print(unlockKeyMessage(key));
    });

  program
    .command('unlock')
    .description('Unlock a restarted autolocked manager (reads the key from standard input)')
    .action(async () => {
      await ctx.client().unlock({ unlockKey: await readKey() });
      ctx.print('Manager unlocked.');
    });
}
