import { isMap } from './raw.js';

/**
 * What the converter reads: `true` accepts any value; a mapping lists accepted keys (`'*'`: any
 * key, checked by its value); `{ $items }` checks the mapping entries of a list (string entries
 * are short syntax and always fine); `false` is a key read nowhere but known to be harmless.
 */
type Shape = true | false | { [key: string]: Shape } | { $items: Shape };

const UPDATE: Shape = {
  parallelism: true,
  delay: true,
  order: true,
  failure_action: true,
  monitor: true,
  max_failure_ratio: true,
};
const RESOURCES: Shape = { cpus: true, memory: true };
const FILE_REF: Shape = {
  $items: { source: true, target: true, uid: true, gid: true, mode: true },
};

const SERVICE: Shape = {
  image: true,
  command: true,
  entrypoint: true,
  environment: true,
  env_file: true,
  labels: true,
  working_dir: true,
  user: true,
  stop_grace_period: true,
  restart: true,
  tmpfs: true,
  healthcheck: {
    test: true,
    interval: true,
    timeout: true,
    retries: true,
    start_period: true,
    disable: true,
  },
  deploy: {
    mode: true,
    replicas: true,
    max_concurrent: true,
    endpoint_mode: true,
    labels: true,
    placement: {
      constraints: true,
      preferences: { $items: { spread: true } },
      max_replicas_per_node: true,
    },
    resources: { limits: RESOURCES, reservations: RESOURCES },
    update_config: UPDATE,
    rollback_config: UPDATE,
    restart_policy: { condition: true, delay: true, max_attempts: true, window: true },
  },
  ports: { $items: { target: true, published: true, protocol: true, mode: true } },
  networks: { '*': {} },
  secrets: FILE_REF,
  configs: FILE_REF,
  volumes: {
    $items: {
      type: true,
      source: true,
      target: true,
      read_only: true,
      volume: { nocopy: false },
      tmpfs: { size: true, mode: true },
    },
  },
};

const DATA: Shape = { file: true, environment: true, external: true, name: true, labels: true };

const TOP: Shape = {
  version: false,
  services: { '*': SERVICE },
  networks: {
    '*': {
      driver: true,
      external: true,
      name: true,
      labels: true,
      attachable: true,
      ipam: { driver: false, config: { $items: { subnet: true } } },
    },
  },
  volumes: { '*': { driver: true, driver_opts: true, external: true, name: true } },
  secrets: { '*': DATA },
  configs: { '*': { ...DATA, content: true } },
};

function walk(value: unknown, shape: Shape, path: string, out: string[]): void {
  if (shape === true || shape === false) return;
  if ('$items' in shape) {
    if (Array.isArray(value))
      for (const item of value) walk(item, shape.$items as Shape, path, out);
    return;
  }
  if (!isMap(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('x-')) continue; // Compose extension fields
    const sub = (shape as Record<string, Shape>)[key] ?? (shape as Record<string, Shape>)['*'];
    const here = path === '' ? key : `${path}.${key}`;
    if (sub === undefined) out.push(here);
    else walk(v, sub, here, out);
  }
}

/**
 * The keys of a merged compose model that `stack deploy` does not support (`build`,
 * `depends_on`, `cap_add`, ...), as dotted paths (`services.web.build`), in file order, each
 * once. Extension fields (`x-*`) are skipped; `version` and `volume.nocopy` are accepted and
 * ignored.
 */
export function unsupportedKeys(doc: unknown): string[] {
  const out: string[] = [];
  walk(doc, TOP, '', out);
  return [...new Set(out)];
}
