import { Command, CommanderError } from 'commander';
import { registerAutolockCommands } from './commands/autolock.js';
import { registerClusterCommands } from './commands/cluster.js';
import { registerConfigCommands } from './commands/config.js';
import { registerEventsCommand } from './commands/events.js';
import { registerNetworkCommands } from './commands/network.js';
import { registerNodeCommands } from './commands/node.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerSecretCommands } from './commands/secret.js';
import { registerStackCommands } from './commands/stack.js';
import { registerServiceCreate } from './commands/service-create.js';
import { registerServiceLogs } from './commands/logs.js';
import { registerServiceReads } from './commands/service-read.js';
import { registerServiceWrites } from './commands/service-write.js';
import { registerSwarmCommands } from './commands/swarm.js';
import { registerTokenCommands } from './commands/token.js';
import { registerVolumeCommands } from './commands/volume.js';
import { CommandContext } from './context.js';
import { DEFAULT_SOCKET, type ConnectionFlags } from './endpoint.js';
import { ManyErrors, messageOf, UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { DetachedError } from './progress/wait.js';

/** Version printed by `swarmlet --version`. */
export const CLI_VERSION = '0.1.0';

function fullName(cmd: Command): string {
  return cmd.parent ? `${fullName(cmd.parent)} ${cmd.name()}` : cmd.name();
}

function pointToHelp(cmd: Command): void {
  cmd.showHelpAfterError(`See '${fullName(cmd)} --help'.`);
  cmd.commands.forEach(pointToHelp);
}

/**
 * The command tree. Global options go before the command (`swarmlet --host URL service ls`):
 * options are positional so that `service create IMAGE sh -c ...` passes `-c` to the container.
 */
export function buildProgram(io: CliIo): { program: Command; ctx: CommandContext } {
  const program = new Command('swarmlet');
  const ctx = new CommandContext(io, () => program.opts<ConnectionFlags>());
  program
    .description('A Docker Swarm-style container orchestrator')
    .version(CLI_VERSION, '-v, --version')
    .option('-H, --host <url>', 'daemon address, e.g. 10.0.0.1:4242 (HTTPS; env SWARMLET_HOST)')
    .option(
      '--socket <path>',
      `daemon unix socket (env SWARMLET_SOCKET, default ${DEFAULT_SOCKET})`,
    )
    .option('--token <token>', 'API token for --host (env SWARMLET_TOKEN)')
    .option('--tlscacert <file>', 'trust only certificates signed by this CA (env SWARMLET_TLS_CA)')
    .option('--tlscert <file>', 'client certificate (env SWARMLET_TLS_CERT)')
    .option('--tlskey <file>', 'client certificate key (env SWARMLET_TLS_KEY)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`swarmlet: ${s.replace(/^error: /, '')}`),
    });
  registerClusterCommands(program, ctx);
  registerSwarmCommands(program, ctx);
  registerAutolockCommands(program, ctx);
  const service = program.command('service').description('Manage services');
  registerServiceCreate(service, ctx);
  registerServiceReads(service, ctx);
  registerServiceWrites(service, ctx);
  registerServiceLogs(service, ctx);
  registerNodeCommands(program, ctx);
  registerNetworkCommands(program, ctx);
  registerSecretCommands(program, ctx);
  registerConfigCommands(program, ctx);
  registerStackCommands(program, ctx);
  registerVolumeCommands(program, ctx);
  registerRegistryCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerEventsCommand(program, ctx);
  pointToHelp(program);
  program.hook('preAction', (_program, action) => {
    ctx.command = fullName(action);
  });
  return { program, ctx };
}

/** Prints a failure the docker way and returns the exit status. */
export function reportError(err: unknown, io: CliIo, command = 'swarmlet'): number {
  if (err instanceof CommanderError) return err.exitCode; // commander already printed it
  if (err instanceof DetachedError) {
    io.stderr.write(`\n${err.message}\n`);
    return 130;
  }
  if (err instanceof UsageError) {
    io.stderr.write(`swarmlet: ${err.message}\nSee '${command} --help'.\n`);
    return 1;
  }
  const messages = err instanceof ManyErrors ? err.messages : [messageOf(err)];
  for (const m of messages) io.stderr.write(`Error: ${m}\n`);
  return 1;
}

/**
 * Runs the CLI on `argv` (as in `process.argv`: node, script, args...) and resolves to the exit
 * status; never throws and never calls `process.exit`, so tests can run it in-process.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { program, ctx } = buildProgram(io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    return reportError(err, io, ctx.command);
  } finally {
    await ctx.close();
  }
}
