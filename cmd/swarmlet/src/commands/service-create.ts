import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { randomName } from '../parse/names.js';
import { withHealthFlags } from '../parse/health.js';
import { buildServiceSpec, type CreateFlags } from '../parse/service-flags.js';
import { withUpdateConfigFlags } from '../parse/update-config.js';
import { collect, expandEnv } from '../parse/words.js';
import { sendRegistryAuth } from './registry.js';
import { maybeWait, timeoutMs, withWaitFlags, type WaitFlags } from './wait-flags.js';

/** `swarmlet service create [OPTIONS] IMAGE [COMMAND] [ARG...]`. */
export function registerServiceCreate(service: Command, ctx: CommandContext): void {
  const cmd = service
    .command('create')
    .description('Create a new service')
    .argument('<image>', 'image to run')
    .argument('[command...]', 'command and arguments (the container args, like CMD)')
    .passThroughOptions()
    .option('--name <name>', 'service name (default: a random name)')
    .option('--mode <mode>', 'replicated (default), global, replicated-job or global-job')
    .option('--replicas <n>', 'number of tasks (replicated-job: completions)')
    .option('--max-concurrent <n>', 'job tasks run at a time (replicated-job; default: replicas)')
    .option('-e, --env <K=V>', 'set an environment variable (repeatable)', collect)
    .option('--label <K=V>', 'service label (repeatable)', collect)
    .option('--container-label <K=V>', 'container label (repeatable)', collect)
    .option('--limit-cpu <cpus>', 'limit CPUs (e.g. 0.5)')
    .option('--limit-memory <bytes>', 'limit memory (e.g. 64M)')
    .option('--reserve-cpu <cpus>', 'reserve CPUs')
    .option('--reserve-memory <bytes>', 'reserve memory')
    .option('--restart-condition <cond>', 'restart when: any, on-failure or none')
    .option('--restart-delay <duration>', 'delay between restart attempts (e.g. 5s)')
    .option('--restart-max-attempts <n>', 'maximum restarts before giving up')
    .option('--restart-window <duration>', 'window used to evaluate the restart policy')
    .option('--stop-grace-period <duration>', 'time to wait before force killing a container')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'username or UID')
    .option('--entrypoint <cmd>', 'overwrite the default ENTRYPOINT of the image')
    .option(
      '--network <name>',
      'attach to a network (repeatable; default: the default network)',
      collect,
    )
    .option(
      '-p, --publish <port>',
      'publish a port: [PUBLISHED:]TARGET[/tcp|/udp], or ' +
        'published=N,target=N,protocol=tcp|udp,mode=ingress|host (repeatable)',
      collect,
    )
    .option('--endpoint-mode <mode>', 'how the service name resolves: vip (default) or dnsrr')
    .option(
      '--secret <secret>',
      'mount a secret in /run/secrets: NAME, or ' +
        'source=NAME,target=FILE,uid=N,gid=N,mode=0400 (repeatable)',
      collect,
    )
    .option(
      '--config <config>',
      'mount a config: NAME (at /NAME), or ' +
        'source=NAME,target=/PATH,uid=N,gid=N,mode=0444 (repeatable)',
      collect,
    )
    .option(
      '--constraint <expr>',
      'placement constraint: KEY==VALUE or KEY!=VALUE (repeatable)',
      collect,
    )
    .option(
      '--placement-pref <pref>',
      'placement preference: spread=node.labels.KEY (repeatable)',
      collect,
    )
    .option('--replicas-max-per-node <n>', 'at most N tasks of the service per node (0: no limit)')
    .option(
      '--mount <mount>',
      'attach a filesystem mount: type=bind|volume|tmpfs,source=,target=,readonly,' +
        'volume-driver=,volume-opt=K=V,tmpfs-size=,tmpfs-mode= (repeatable)',
      collect,
    )
    .option(
      '--with-registry-auth',
      "send your Docker credential for the image's registry (from ~/.docker/config.json)",
    );
  withWaitFlags(withUpdateConfigFlags(withHealthFlags(cmd))).action(
    async (
      image: string,
      args: string[],
      flags: CreateFlags & WaitFlags & { withRegistryAuth?: boolean },
    ) => {
      timeoutMs(flags);
      const env = expandEnv(flags.env ?? [], ctx.io.env);
      const spec = buildServiceSpec(image, args, { ...flags, env }, flags.name ?? randomName());
      if (flags.withRegistryAuth) await sendRegistryAuth(ctx, image);
      const created = await ctx.client().createService(spec);
      ctx.print(created.id);
      await maybeWait(ctx, flags, created);
    },
  );
}
