import type { ServiceSpecInput } from '@swarmlet/api-types';
import { convertDeploy, restartKeyPolicy } from './convert-deploy.js';
import {
  convertEnv,
  convertFileRefs,
  convertHealthcheck,
  networkKeys,
  words,
  type EnvContext,
} from './convert-container.js';
import { convertMounts } from './convert-mounts.js';
import { convertPorts } from './convert-ports.js';
import {
  IMAGE_LABEL,
  NAMESPACE_LABEL,
  type StackData,
  type StackNetwork,
  type StackVolume,
} from './model.js';
import { asMap, asString, composeError, type RawMap } from './raw.js';
import { parseDuration } from './units.js';

/** What a service's conversion needs: the stack's name and its resolved top-level objects. */
export interface ServiceContext extends EnvContext {
  stack: string;
  /** Networks by key; `default` is looked up like any other. */
  network(key: string, where: string): StackNetwork;
  volumes: ReadonlyMap<string, StackVolume>;
  secrets: ReadonlyMap<string, StackData>;
  configs: ReadonlyMap<string, StackData>;
}

type Container = ServiceSpecInput['task']['container'];

function container(raw: RawMap, image: string, ctx: ServiceContext, where: string): Container {
  const c: Container = { image };
  if (raw['entrypoint'] !== undefined) c.command = words(raw['entrypoint'], `${where}.entrypoint`);
  if (raw['command'] !== undefined) c.args = words(raw['command'], `${where}.command`);
  const env = convertEnv(raw, ctx, where);
  if (env.length > 0) c.env = env;
  c.labels = { ...((raw['labels'] ?? {}) as Record<string, string>), [NAMESPACE_LABEL]: ctx.stack };
  if (raw['working_dir'] !== undefined)
    c.workdir = asString(raw['working_dir'], `${where}.working_dir`);
  if (raw['user'] !== undefined) c.user = asString(raw['user'], `${where}.user`);
  if (raw['stop_grace_period'] !== undefined)
    c.stopGracePeriodMs = parseDuration(raw['stop_grace_period'], `${where}.stop_grace_period`);
  if (raw['healthcheck'] !== undefined)
    c.healthcheck = convertHealthcheck(
      asMap(raw['healthcheck'], `${where}.healthcheck`),
      `${where}.healthcheck`,
    );
  const mounts = convertMounts(raw['volumes'], raw['tmpfs'], ctx, where);
  if (mounts.length > 0) c.mounts = mounts;
  return c;
}

/**
 * One compose service as the spec `createService` gets: named `<stack>_<key>`, with Docker's
 * labels (namespace on the service and its containers, the image on the service), on its
 * networks (`<stack>_default` when it names none), everything else as the compose file says.
 */
export function convertService(
  key: string,
  rawValue: unknown,
  ctx: ServiceContext,
): ServiceSpecInput {
  const where = `services.${key}`;
  const raw = asMap(rawValue, where);
  if (raw['image'] === undefined)
    throw composeError(where, 'image is required (stack deploy does not build images)');
  const image = asString(raw['image'], `${where}.image`);
  const deploy = convertDeploy(asMap(raw['deploy'], `${where}.deploy`), `${where}.deploy`);
  const spec: ServiceSpecInput = {
    name: `${ctx.stack}_${key}`,
    labels: { ...deploy.labels, [NAMESPACE_LABEL]: ctx.stack, [IMAGE_LABEL]: image },
    ...deploy.spec,
    task: { container: container(raw, image, ctx, where), ...deploy.task },
  };
  if (!spec.task.restartPolicy && raw['restart'] !== undefined)
    spec.task.restartPolicy = restartKeyPolicy(raw['restart'], `${where}.restart`);
  const secrets = convertFileRefs('secrets', raw['secrets'], ctx.secrets, `${where}.secrets`);
  if (secrets.length > 0) spec.task.secrets = secrets;
  const configs = convertFileRefs('configs', raw['configs'], ctx.configs, `${where}.configs`);
  if (configs.length > 0) spec.task.configs = configs;
  const networks = networkKeys(raw, where).map((k) => ctx.network(k, `${where}.networks`).name);
  if (networks.length > 0) spec.networks = networks;
  const ports = convertPorts(raw['ports'], `${where}.ports`);
  if (ports.length > 0) spec.ports = ports;
  return spec;
}
