import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  isSwarmletError,
  registryHost,
  registryOf,
  registrySecretName,
  type RegistryCredential,
} from '@swarmlet/api-types';
import type { Command } from 'commander';
import { outputFormat, type CommandContext } from '../context.js';
import { UsageError, forEachTarget } from '../errors.js';
import { processStdin } from './secret-data.js';

/** Stores (or replaces) the credential for its server as a `registry` secret. */
export async function storeCredential(
  ctx: CommandContext,
  cred: RegistryCredential,
): Promise<void> {
  const name = registrySecretName(cred.server);
  const data = Buffer.from(JSON.stringify(cred)).toString('base64');
  try {
    await ctx.client().getSecret(name);
  } catch (err) {
    if (!isSwarmletError(err, 'NOT_FOUND')) throw err;
    await ctx.client().createSecret({ name, data, type: 'registry' });
    return;
  }
  await ctx.client().updateSecret(name, { data });
}

/**
 * The CLI user's own Docker credential for `server`, from `$DOCKER_CONFIG/config.json` (default
 * ~/.docker/config.json): its `auths` entry (`auth` is base64 of `user:password`). Credential
 * helpers (`credsStore`) are not read.
 */
export async function dockerCredential(
  env: NodeJS.ProcessEnv,
  server: string,
): Promise<RegistryCredential> {
  const dir = env['DOCKER_CONFIG'] ?? join(env['HOME'] ?? homedir(), '.docker');
  const path = join(dir, 'config.json');
  let config: { auths?: Record<string, { auth?: string }>; credsStore?: string };
  try {
    config = JSON.parse(await readFile(path, 'utf8')) as typeof config;
  } catch (err) {
    throw new UsageError(
      `--with-registry-auth: cannot read ${path} (${(err as Error).message}); run \`docker login ${server}\` or \`swarmlet registry login ${server}\``,
    );
  }
  const entry =
    config.auths?.[server] ??
    config.auths?.[`https://${server}`] ??
    config.auths?.[`http://${server}`];
  const decoded = entry?.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    const hint = config.credsStore ? ` (credential helper "${config.credsStore}" is not read)` : '';
    throw new UsageError(
      `--with-registry-auth: no credential for ${server} in ${path}${hint}; use \`swarmlet registry login ${server}\``,
    );
  }
  return { server, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `service create --with-registry-auth`: the user's credential for the image's registry. */
export async function sendRegistryAuth(ctx: CommandContext, image: string): Promise<void> {
  const server = registryOf(image);
  await storeCredential(ctx, await dockerCredential(ctx.io.env, server));
}

async function readPassword(): Promise<string> {
  let text = '';
  for await (const chunk of processStdin()) {
    text += Buffer.from(chunk).toString('utf8');
    if (text.length > 64 * 1024) break;
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new UsageError('no password on standard input');
  return password;
}

/** `swarmlet registry login|ls|rm`: credentials tasks pull their images with. */
export function registerRegistryCommands(program: Command, ctx: CommandContext): void {
  const registry = program
    .command('registry')
    .description('Manage registry credentials (used for image pulls on every node)');

  registry
    .command('login')
    .description('Store credentials for a registry server (kept as an encrypted secret)')
    .argument('<server>', 'registry host[:port], e.g. registry.example.com or 10.0.0.5:5000')
    .requiredOption('-u, --username <user>', 'user name')
    .option('--password-stdin', 'read the password from standard input (required)')
    .action(async (server: string, flags: { username: string; passwordStdin?: boolean }) => {
      if (!flags.passwordStdin) {
        throw new UsageError('give the password on standard input with --password-stdin');
      }
      // As `docker login`: https://ghcr.io, index.docker.io/v1/ ... name the host images use.
      const host = registryHost(server);
      if (host === '' || /\s/.test(host))
        throw new UsageError(`"${server}" is not a registry host[:port]`);
      const password = await readPassword();
      await storeCredential(ctx, { server: host, username: flags.username, password });
      ctx.print(`Credentials for ${host} stored: tasks whose image is on it pull with them.`);
    });

  registry
    .command('ls')
    .description('List stored registry credentials (never the passwords)')
    .option('--format <format>', 'output format: json')
    .action(async (flags: { format?: string }) => {
      const format = outputFormat(flags.format);
      const list = (await ctx.client().listSecrets()).filter((s) => s.spec.type === 'registry');
      const rows = list.map((s) => ({
        server: s.registry?.server ?? '',
        username: s.registry?.username ?? '',
        secret: s.spec.name,
      }));
      if (format === 'json') return ctx.printJson(rows);
      const w = Math.max(6, ...rows.map((r) => r.server.length)) + 3;
      ctx.print(`${'SERVER'.padEnd(w)}USERNAME`);
      for (const r of rows) ctx.print(`${r.server.padEnd(w)}${r.username}`);
    });

  registry
    .command('rm')
    .description('Remove the stored credentials of registry servers')
    .argument('<server...>', 'registry host[:port]')
    .action(async (servers: string[]) => {
      await forEachTarget(servers, async (server) => {
        await ctx.client().removeSecret(registrySecretName(registryHost(server)));
        ctx.print(server);
      });
    });
}
