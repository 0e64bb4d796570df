import {
  isSwarmletError,
  type ServiceSpec,
  type ServiceSpecInput,
  type ServiceView,
} from '@swarmlet/api-types';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { forEachTarget, UsageError } from '../errors.js';
import { parseFileRef, updateFileRefs, type FileRefChange } from '../parse/file-ref.js';
import { applyMountChanges, parseMount } from '../parse/mount.js';
import { applyUpdateFlags, withUpdateFlags, type UpdateFlags } from '../parse/update-flags.js';
import {
  applyHealthChange,
  parseHealthUpdate,
  withHealthFlags,
  type HealthFlags,
} from '../parse/health.js';
import { collect, expandEnv } from '../parse/words.js';
import { maybeWait, timeoutMs, withWaitFlags, type WaitFlags } from './wait-flags.js';

/** `web=3` → `{ref: 'web', replicas: 3}`; pure. */
export function parseScaleArg(arg: string): { ref: string; replicas: number } {
  const m = /^(.+)=(\d+)$/.exec(arg);
  if (!m || m[1] === undefined || m[2] === undefined) {
    throw new UsageError(`invalid scale specifier "${arg}": expected SERVICE=REPLICAS, e.g. web=3`);
  }
  return { ref: m[1], replicas: Number(m[2]) };
}

/** `service update`'s secret and config options as commander hands them over. */
export interface FileRefFlags {
  secretAdd?: string[];
  secretRm?: string[];
  configAdd?: string[];
  configRm?: string[];
}

/** `service update`'s `--mount-add SPEC` and `--mount-rm TARGET`, as commander hands them over. */
export interface MountFlags {
  mountAdd?: string[];
  mountRm?: string[];
}

/** The parsed `--secret-*` and `--config-*` flags; parsed before anything is sent. */
export interface FileRefChanges {
  secrets: FileRefChange;
  configs: FileRefChange;
}

/** Parses the specs of `--secret-add`/`--config-add`; throws `UsageError` naming the flag. */
export function parseFileRefChanges(f: FileRefFlags): FileRefChanges {
  return {
    secrets: {
      add: (f.secretAdd ?? []).map((r) => parseFileRef('--secret-add', r)),
      rm: f.secretRm ?? [],
    },
    configs: {
      add: (f.configAdd ?? []).map((r) => parseFileRef('--config-add', r)),
      rm: f.configRm ?? [],
    },
  };
}

function changes(c: FileRefChange): boolean {
  return c.add.length > 0 || c.rm.length > 0;
}

/**
 * Applies the secret and config changes to a spec (pure); a list no flag names is sent back as
 * read. Throws `SwarmletError` for a removal that matches nothing or an addition whose target is
 * taken (see `updateFileRefs`).
 */
export function applyFileRefChanges(spec: ServiceSpec, c: FileRefChanges): ServiceSpecInput {
  const next: ServiceSpecInput = structuredClone(spec);
  if (changes(c.secrets)) {
    next.task.secrets = updateFileRefs('secret', spec.name, spec.task.secrets ?? [], c.secrets);
  }
  if (changes(c.configs)) {
    next.task.configs = updateFileRefs('config', spec.name, spec.task.configs ?? [], c.configs);
  }
  return next;
}

/** Read-modify-write with the version the spec was read at; retried when someone wrote meanwhile. */
async function updateWithRetry(
  ctx: CommandContext,
  ref: string,
  edit: (spec: ServiceSpec) => ServiceSpecInput,
): Promise<ServiceView> {
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.client().getService(ref);
    const spec = edit(current.spec);
    try {
      return await ctx.client().updateService(current.id, { version: current.meta.version, spec });
    } catch (err) {
      if (!isSwarmletError(err, 'CONFLICT') || attempt >= 3) throw err;
    }
  }
}

/** `service scale`, `service rm` and `service update`. */
export function registerServiceWrites(service: Command, ctx: CommandContext): void {
  withWaitFlags(
    service
      .command('scale')
      .description('Scale one or more replicated services')
      .argument('<service=replicas...>', 'e.g. web=3 api=5'),
  ).action(async (args: string[], flags: WaitFlags) => {
    const targets = args.map(parseScaleArg);
    timeoutMs(flags);
    await forEachTarget(targets, async ({ ref, replicas }) => {
      const scaled = await ctx.client().scaleService(ref, replicas);
      ctx.print(`${ref} scaled to ${replicas}`);
      await maybeWait(ctx, flags, scaled);
    });
  });

  service
    .command('rm')
    .alias('remove')
    .description('Remove one or more services')
    .argument('<service...>', 'service names or ids')
    .action(async (refs: string[]) =>
      forEachTarget(refs, async (ref) => {
        await ctx.client().removeService(ref);
        ctx.print(ref);
      }),
    );

  withWaitFlags(
    withUpdateFlags(withHealthFlags(service.command('update')))
      .description('Update a service (a rolling update of its tasks when the task spec changes)')
      .argument('<service>', 'service name or id')
      .option('--rollback', 'roll back to the previous spec (as `service rollback`)')
      .option(
        '--secret-add <spec>',
        'add a secret: NAME or source=,target=,... (repeatable)',
        collect,
      )
      .option('--secret-rm <name>', 'remove a secret by name or target (repeatable)', collect)
      .option(
        '--config-add <spec>',
        'add a config: NAME or source=,target=,...,restart=true|false (repeatable)',
        collect,
      )
      .option('--config-rm <name>', 'remove a config by name or target (repeatable)', collect)
      .option('--mount-add <mount>', 'add or replace a mount (same syntax as --mount)', collect)
      .option('--mount-rm <target>', 'remove a mount by its target path (repeatable)', collect),
  ).action(async (ref: string, flags: UpdateFlags & FileRefFlags & MountFlags & WaitFlags) => {
    timeoutMs(flags);
    if (flags.rollback) return rollbackCommand(ctx, ref, flags);
    const networks =
      flags.networkRm?.length || flags.networkAdd?.length ? await ctx.client().listNetworks() : [];
    const names = networks.map((n) => ({ id: n.id, name: n.spec.name }));
    const envAdd = expandEnv(flags.envAdd ?? [], ctx.io.env);
    const refs = parseFileRefChanges(flags);
    const mounts = {
      add: (flags.mountAdd ?? []).map((m) => parseMount(m, '--mount-add')),
      rm: flags.mountRm ?? [],
    };
    const health = parseHealthUpdate(flags as HealthFlags);
    const updated = await updateWithRetry(ctx, ref, (read) => {
      const spec = applyHealthChange(read, health);
      return applyMountChanges(
        applyFileRefChanges(applyUpdateFlags(spec, { ...flags, envAdd }, names), refs),
        mounts,
      );
    });
    ctx.print(ref);
    await maybeWait(ctx, flags, updated);
  });

  withWaitFlags(
    service
      .command('rollback')
      .description('Revert changes to a service (its previous spec, with its rollback config)')
      .argument('<service>', 'service name or id'),
  ).action(async (ref: string, flags: WaitFlags) => {
    timeoutMs(flags);
    await rollbackCommand(ctx, ref, flags);
  });
}

async function rollbackCommand(ctx: CommandContext, ref: string, flags: WaitFlags): Promise<void> {
  const rolled = await ctx.client().rollbackService(ref);
  ctx.print(ref);
  if (!flags.detach && !flags.quiet) ctx.print('rollback: manually requested rollback');
  await maybeWait(ctx, flags, rolled, true);
}
