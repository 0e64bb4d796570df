import type { ServiceSpecInput } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { loadStack } from './load.js';
import { SPEC_HASH_LABEL, type StackSource } from './model.js';

const RICH = `
version: "3.8"
x-common: &common
  restart: on-failure:3
services:
  web:
    image: \${REGISTRY:-local}/web:\${TAG}
    command: ["httpd", "-f", "-p", "80"]
    entrypoint: /bin/sh -c 'exec "$$0" "$$@"'
    environment:
      - MODE=prod
      - FROM_SHELL
    env_file: web.env
    working_dir: /srv
    user: "1000:1000"
    stop_grace_period: 1m30s
    labels: { tier: front }
    ports:
      - "8080:80"
      - "9000"
      - "5353:53/udp"
      - target: 443
        published: 8443
        mode: host
      - target: 81
        published: 8081
        x-proxy-protocol: true
    networks: [front, back]
    secrets:
      - db_pw
      - source: api_key
        target: key.txt
        uid: "33"
        gid: "33"
        mode: 0400
    configs:
      - app_conf
      - source: app_conf
        target: /etc/app.conf
        mode: 0440
    healthcheck:
      test: wget -q -O- localhost/health
      interval: 10s
      timeout: 2s
      retries: 3
      start_period: 500ms
    volumes:
      - data:/data:ro
      - /var/log:/logs
      - ./static:/static
      - /scratch
      - type: tmpfs
        target: /cache
        tmpfs: { size: 64m }
      - type: volume
        source: data
        target: /nocopy
        volume: { nocopy: true }
    deploy:
      mode: replicated
      replicas: 3
      labels:
        owner: team-a
      endpoint_mode: vip
      placement:
        constraints: [node.role==worker, node.labels.zone==a]
        preferences:
          - spread: node.labels.zone
        max_replicas_per_node: 2
      resources:
        limits: { cpus: '0.5', memory: 512M }
        reservations: { cpus: '0.25', memory: 1g }
      update_config:
        parallelism: 2
        delay: 10s
        order: start-first
        failure_action: rollback
        monitor: 30s
        max_failure_ratio: 0.2
      rollback_config:
        parallelism: 0
        failure_action: continue
      restart_policy:
        condition: on-failure
        delay: 5s
        max_attempts: 3
        window: 2m
  agent:
    <<: *common
    image: agent:1
    environment:
      LEVEL: 3
      DEBUG: "true"
    healthcheck:
      disable: true
    deploy:
      mode: global
  job:
    image: job:1
    command: echo "hello world" done
    healthcheck:
      test: ["CMD", "true"]
    deploy:
      mode: replicated-job
      replicas: 4
      max_concurrent: 2
networks:
  front:
    driver: overlay
    attachable: true
    labels: [com.example=front]
    ipam:
      config:
        - subnet: 10.99.0.0/24
  back:
    external: true
    name: shared_back
  unused: {}
volumes:
  data:
    driver: local
    driver_opts: { type: nfs, o: "addr=10.0.0.9" }
secrets:
  db_pw:
    file: ./db_pw.txt
  api_key:
    external: true
configs:
  app_conf:
    file: conf/app.conf
    labels:
      kind: conf
`;

const FILES: Record<string, string> = {
  '/proj/web.env': 'MODE=dev\nFROM_FILE=yes\n',
  '/proj/db_pw.txt': 's3cret',
  '/proj/conf/app.conf': 'level=1\n',
};

function source(text: string, extra: Partial<StackSource> = {}): StackSource {
  return {
    name: 'app',
    files: [{ path: '/proj/compose.yml', text }],
    env: { TAG: '1.2', FROM_SHELL: 'sh' },
    readFile: (p) => {
      const f = FILES[p];
      if (f === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
      return Buffer.from(f);
    },
    ...extra,
  };
}

const loaded = loadStack(source(RICH));
const svc = (name: string): ServiceSpecInput => {
  const s = loaded.stack.services.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
};
const web = svc('app_web');
const ns = { 'com.docker.stack.namespace': 'app' };

describe('loadStack: a rich compose file', () => {
  it.each<[string, unknown, unknown]>([
    [
      'service names, sorted',
      loaded.stack.services.map((s) => s.name),
      ['app_agent', 'app_job', 'app_web'],
    ],
    ['image interpolated with default', web.task.container.image, 'local/web:1.2'],
    [
      'entrypoint string split, $$ kept as $',
      web.task.container.command,
      ['/bin/sh', '-c', 'exec "$0" "$@"'],
    ],
    ['command list', web.task.container.args, ['httpd', '-f', '-p', '80']],
    ['command string split', svc('app_job').task.container.args, ['echo', 'hello world', 'done']],
    [
      'env: env_file, then environment over it, shell for bare keys',
      web.task.container.env,
      ['MODE=prod', 'FROM_FILE=yes', 'FROM_SHELL=sh'],
    ],
    ['env map with numbers', svc('app_agent').task.container.env, ['LEVEL=3', 'DEBUG=true']],
    ['container labels + namespace', web.task.container.labels, { tier: 'front', ...ns }],
    [
      'service labels: deploy.labels + namespace + image + hash',
      Object.keys(web.labels ?? {}).sort(),
      ['com.docker.stack.image', 'com.docker.stack.namespace', SPEC_HASH_LABEL, 'owner'],
    ],
    ['image label', web.labels?.['com.docker.stack.image'], 'local/web:1.2'],
    ['workdir, user', [web.task.container.workdir, web.task.container.user], ['/srv', '1000:1000']],
    ['stop grace period', web.task.container.stopGracePeriodMs, 90_000],
    ['mode and replicas', [web.mode, web.replicas], ['replicated', 3]],
    [
      'global: no replicas',
      [svc('app_agent').mode, svc('app_agent').replicas],
      ['global', undefined],
    ],
    [
      'job replicas and max concurrent',
      [svc('app_job').mode, svc('app_job').replicas, svc('app_job').maxConcurrent],
      ['replicated-job', 4, 2],
    ],
    ['endpoint mode', web.endpointMode, 'vip'],
    [
      'ports: short, target only, udp, host mode, proxy protocol extension',
      web.ports,
      [
        { target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' },
        { target: 9000, protocol: 'tcp', mode: 'ingress' },
        { target: 53, published: 5353, protocol: 'udp', mode: 'ingress' },
        { target: 443, published: 8443, protocol: 'tcp', mode: 'host' },
        { target: 81, published: 8081, protocol: 'tcp', mode: 'ingress', proxyProtocol: true },
      ],
    ],
    ['networks: stack-prefixed, external by name', web.networks, ['app_front', 'shared_back']],
    ['no networks: the stack default', svc('app_agent').networks, ['app_default']],
    [
      'secrets: short target is the key; long with uid/gid/octal mode; external by key',
      web.task.secrets,
      [
        { source: 'app_db_pw', target: 'db_pw' },
        { source: 'api_key', target: 'key.txt', uid: 33, gid: 33, mode: 0o400 },
      ],
    ],
    [
      'configs: short target /key, long',
      web.task.configs,
      [
        { source: 'app_app_conf', target: '/app_conf' },
        { source: 'app_app_conf', target: '/etc/app.conf', mode: 0o440 },
      ],
    ],
    [
      'healthcheck: string test with the shell, durations in ms',
      web.task.container.healthcheck,
      {
        test: ['CMD-SHELL', 'wget -q -O- localhost/health'],
        intervalMs: 10_000,
        timeoutMs: 2000,
        retries: 3,
        startPeriodMs: 500,
      },
    ],
    ['healthcheck disabled', svc('app_agent').task.container.healthcheck, { test: ['NONE'] }],
    ['healthcheck list', svc('app_job').task.container.healthcheck, { test: ['CMD', 'true'] }],
    [
      'mounts: named volume (stack name, driver, options), bind, relative bind, anonymous, tmpfs, nocopy ignored',
      web.task.container.mounts,
      [
        {
          type: 'volume',
          source: 'app_data',
          target: '/data',
          readonly: true,
          volumeDriver: 'local',
          volumeOptions: { type: 'nfs', o: 'addr=10.0.0.9' },
        },
        { type: 'bind', source: '/var/log', target: '/logs' },
        { type: 'bind', source: '/proj/static', target: '/static' },
        { type: 'volume', source: '', target: '/scratch' },
        { type: 'tmpfs', source: '', target: '/cache', tmpfsSizeBytes: 64 * 1024 ** 2 },
        {
          type: 'volume',
          source: 'app_data',
          target: '/nocopy',
          volumeDriver: 'local',
          volumeOptions: { type: 'nfs', o: 'addr=10.0.0.9' },
        },
      ],
    ],
    [
      'placement',
      web.task.placement,
      {
        constraints: ['node.role==worker', 'node.labels.zone==a'],
        preferences: [{ spread: 'node.labels.zone' }],
        maxReplicasPerNode: 2,
      },
    ],
    [
      'resources',
      web.task.resources,
      {
        limits: { nanoCpus: 500_000_000, memoryBytes: 512 * 1024 ** 2 },
        reservations: { nanoCpus: 250_000_000, memoryBytes: 1024 ** 3 },
      },
    ],
    [
      'update config',
      web.updateConfig,
      {
        parallelism: 2,
        delayMs: 10_000,
        order: 'start-first',
        failureAction: 'rollback',
        monitorMs: 30_000,
        maxFailureRatio: 0.2,
      },
    ],
    [
      'rollback config (only what is written)',
      web.rollbackConfig,
      { parallelism: 0, failureAction: 'continue' },
    ],
    [
      'restart policy',
      web.task.restartPolicy,
      { condition: 'on-failure', delayMs: 5000, maxAttempts: 3, windowMs: 120_000 },
    ],
    [
      'restart: on-failure:3 through a YAML merge key',
      svc('app_agent').task.restartPolicy,
      { condition: 'on-failure', maxAttempts: 3 },
    ],
  ])('%s', (_what, actual, expected) => expect(actual).toEqual(expected));

  it('creates only the networks services use, with labels, subnet and attachable', () => {
    expect(loaded.stack.networks).toEqual([
      {
        key: 'default',
        name: 'app_default',
        external: false,
        request: { name: 'app_default', driver: 'overlay', labels: ns },
      },
      {
        key: 'front',
        name: 'app_front',
        external: false,
        request: {
          name: 'app_front',
          driver: 'overlay',
          labels: { 'com.example': 'front', ...ns },
          attachable: true,
          subnet: '10.99.0.0/24',
        },
      },
      {
        key: 'back',
        name: 'shared_back',
        external: true,
        request: { name: 'shared_back', driver: 'overlay', labels: ns },
      },
    ]);
  });

  it('reads secret and config files, keeps external ones without data', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    expect(loaded.stack.secrets).toEqual([
      { key: 'db_pw', name: 'app_db_pw', external: false, labels: ns, data: b64('s3cret') },
      { key: 'api_key', name: 'api_key', external: true, labels: ns },
    ]);
    expect(loaded.stack.configs).toEqual([
      {
        key: 'app_conf',
        name: 'app_app_conf',
        external: false,
        labels: { kind: 'conf', ...ns },
        data: b64('level=1\n'),
      },
    ]);
  });

  it('has no warnings for a file that only uses supported keys', () => {
    expect(loaded.warnings).toEqual([]);
  });

  it('gives the same hash for the same file, another when anything changes', () => {
    const again = loadStack(source(RICH)).stack.services.map((s) => s.labels?.[SPEC_HASH_LABEL]);
    expect(again).toEqual(loaded.stack.services.map((s) => s.labels?.[SPEC_HASH_LABEL]));
    const changed = loadStack(source(RICH, { env: { TAG: '1.3', FROM_SHELL: 'sh' } })).stack
      .services;
    expect(changed.find((s) => s.name === 'app_web')?.labels?.[SPEC_HASH_LABEL]).not.toBe(
      web.labels?.[SPEC_HASH_LABEL],
    );
    expect(changed.find((s) => s.name === 'app_agent')?.labels?.[SPEC_HASH_LABEL]).toBe(
      svc('app_agent').labels?.[SPEC_HASH_LABEL],
    );
  });
});
