import { isSwarmletError } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { loadStack } from './load.js';
import type { StackSource } from './model.js';

function source(text: string, extra: Partial<StackSource> = {}): StackSource {
  return {
    name: 'app',
    files: [{ path: '/p/compose.yml', text }],
    env: {},
    readFile: (p) => {
      throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
    },
    ...extra,
  };
}

const svc = (body: string): string => `services:\n  web:\n    image: img\n${body}`;

describe('loadStack warnings', () => {
  it('names every unsupported key in one line, skipping x- extensions and version', () => {
    const text = `
version: "3.9"
x-anchors: { a: 1 }
services:
  web:
    image: img
    build: .
    depends_on: [db]
    container_name: web
    privileged: true
    x-custom: 1
    ports:
      - { target: 80, host_ip: 127.0.0.1 }
    networks:
      front: { aliases: [w] }
    deploy:
      resources:
        reservations: { devices: [{ capabilities: [gpu] }] }
  db:
    image: db
    cap_add: [NET_ADMIN]
    links: [web]
    volumes:
      - type: bind
        source: /x
        target: /y
        bind: { propagation: shared }
networks:
  front: { driver_opts: { a: b } }
`;
    expect(loadStack(source(text)).warnings).toEqual([
      'ignoring unsupported keys: services.web.build, services.web.depends_on, ' +
        'services.web.container_name, services.web.privileged, services.web.ports.host_ip, ' +
        'services.web.networks.front.aliases, services.web.deploy.resources.reservations.devices, ' +
        'services.db.cap_add, services.db.links, services.db.volumes.bind, networks.front.driver_opts',
    ]);
  });

  it('lists variables that were not set (used as empty strings)', () => {
    const text = svc('    environment:\n      - A=$ZED\n      - B=${ALPHA}\n      - C=${SET}\n');
    expect(loadStack(source(text, { env: { SET: '1' } })).warnings).toEqual([
      'variables not set, used as empty strings: ALPHA, ZED',
    ]);
  });
});

describe('loadStack interpolation sources', () => {
  const text = svc('    environment:\n      - A=$A\n      - B=$B\n      - C=${C:-dflt}\n');
  const env = (src: Partial<StackSource>): string[] | undefined =>
    loadStack(source(text, src)).stack.services[0]?.task.container.env;

  it('takes variables from .env, with the environment winning', () => {
    const dotEnv = { path: '/p/.env', text: 'A=from-dotenv\nB=from-dotenv\nC=from-dotenv\n' };
    expect(env({ dotEnv, env: { B: 'from-env' } })).toEqual([
      'A=from-dotenv',
      'B=from-env',
      'C=from-dotenv',
    ]);
    expect(env({ env: { A: 'a' } })).toEqual(['A=a', 'B=', 'C=dflt']);
  });

  it('fails for a required variable, naming it and the file', () => {
    const req = svc('    environment:\n      - PW=${DB_PW:?set DB_PW}\n');
    expect(() => loadStack(source(req))).toThrow(
      '/p/compose.yml: services.web.environment[0]: required variable DB_PW is missing a value: set DB_PW',
    );
  });
});

describe('loadStack errors (nothing deployed)', () => {
  it.each([
    [
      'bad port',
      svc('    ports: ["80:99999"]\n'),
      'services.web.ports[0]: invalid target port "99999": use 1-65535',
    ],
    [
      'host address in a port',
      svc('    ports: ["127.0.0.1:80:80"]\n'),
      /a host address is not supported/,
    ],
    [
      'bad protocol',
      svc('    ports: ["80/sctp"]\n'),
      'services.web.ports[0]: invalid value "sctp": use one of tcp, udp',
    ],
    [
      'bad duration',
      svc('    stop_grace_period: 10\n'),
      /services\.web\.stop_grace_period: invalid duration 10/,
    ],
    [
      'undeclared secret',
      svc('    secrets: [nope]\n'),
      'services.web.secrets[0]: secret "nope" is not declared in the top-level secrets',
    ],
    [
      'undeclared config',
      svc('    configs: [{ source: c }]\n'),
      /config "c" is not declared in the top-level configs/,
    ],
    [
      'undeclared network',
      svc('    networks: [nope]\n'),
      'services.web.networks: network "nope" is not declared in the top-level networks',
    ],
    [
      'undeclared volume',
      svc('    volumes: ["db:/data"]\n'),
      'services.web.volumes[0]: volume "db" is not declared in the top-level volumes',
    ],
    [
      'relative mount target',
      svc('    volumes: ["/a:data"]\n'),
      /mount target "data" must be an absolute path/,
    ],
    [
      'bad mode',
      svc('    deploy: { mode: daemon }\n'),
      'services.web.deploy.mode: invalid value "daemon": use one of replicated, global, replicated-job, global-job',
    ],
    [
      'replicas on global',
      svc('    deploy: { mode: global, replicas: 2 }\n'),
      /replicas can only be used with a replicated mode/,
    ],
    [
      'negative replicas',
      svc('    deploy: { replicas: -1 }\n'),
      /deploy\.replicas: expected a non-negative integer, got -1/,
    ],
    [
      'rollback in rollback_config',
      svc('    deploy: { rollback_config: { failure_action: rollback } }\n'),
      /failure_action: invalid value "rollback": use one of pause, continue/,
    ],
    [
      'bad ratio',
      svc('    deploy: { update_config: { max_failure_ratio: 2 } }\n'),
      /must be between 0 and 1/,
    ],
    [
      'bad memory',
      svc('    deploy: { resources: { limits: { memory: lots } } }\n'),
      /limits\.memory: invalid size "lots"/,
    ],
    [
      'bad healthcheck list',
      svc('    healthcheck: { test: [curl, x] }\n'),
      /starts with NONE, CMD or CMD-SHELL/,
    ],
    [
      'no image',
      'services:\n  web:\n    build: .\n',
      'services.web: image is required (stack deploy does not build images)',
    ],
    [
      'bridge network',
      svc('    networks: [n]\nnetworks:\n  n: { driver: bridge }\n'),
      /only overlay networks/,
    ],
    [
      'secret without source',
      'services: {}\nsecrets:\n  s: {}\n',
      'secrets.s: needs one of file, environment or external: true',
    ],
    [
      'missing secret file',
      'services: {}\nsecrets:\n  s: { file: ./s.txt }\n',
      'secrets.s.file: cannot read /p/s.txt: no such file',
    ],
    [
      'missing env file',
      svc('    env_file: [web.env]\n'),
      'services.web.env_file[0]: cannot read env file /p/web.env',
    ],
    ['YAML syntax', 'services:\n  web: [\n', /^\/p\/compose\.yml: .*line/],
    ['version 2', 'version: "2.4"\nservices: {}\n', /compose file version 2.4 is not supported/],
    ['not a mapping', '- a\n- b\n', /a compose file is a mapping/],
  ])('%s', (_what, text, message) => {
    let err: unknown;
    try {
      loadStack(source(text));
    } catch (e) {
      err = e;
    }
    expect(isSwarmletError(err, 'INVALID_ARGUMENT')).toBe(true);
    if (typeof message === 'string') expect((err as Error).message).toBe(message);
    else expect((err as Error).message).toMatch(message);
  });

  it('refuses a bad stack name', () => {
    expect(() => loadStack({ ...source('services: {}'), name: 'a.b' })).toThrow(
      /invalid stack name "a.b"/,
    );
  });

  it('accepts an optional env file that is missing', () => {
    const text = svc('    env_file: [{ path: x.env, required: false }]\n');
    expect(loadStack(source(text)).stack.services[0]?.task.container.env).toBeUndefined();
  });
});
