import { describe, expect, it } from 'vitest';
import { loadStack } from './load.js';
import type { StackSource } from './model.js';

const BASE = `
services:
  web:
    image: web:1
    command: [httpd, -f]
    environment: [A=1, B=2]
    labels: { keep: base, over: base }
    ports: ["8080:80", "9090:90"]
    volumes: ["/a:/data", "/logs"]
    secrets: [s1]
    networks: [front]
    deploy:
      replicas: 2
      placement: { constraints: [node.role==worker] }
      resources: { limits: { cpus: '1', memory: 256M } }
  db:
    image: db:1
networks:
  front: {}
secrets:
  s1: { environment: S1 }
  s2: { environment: S2 }
`;

const OVERRIDE = `
services:
  web:
    image: web:2
    command: [other]
    environment: { B: "20", C: "3" }
    labels: [over=override]
    ports: ["8081:80", "9090:90", "7000:70/udp"]
    volumes: ["/b:/data"]
    secrets: [{ source: s2, target: s1 }]
    networks:
      back:
    deploy:
      placement: { constraints: [node.labels.zone==a] }
      resources: { limits: { memory: 1g } }
  cache:
    image: cache:1
networks:
  back: {}
`;

function load(files: [string, string][]): ReturnType<typeof loadStack> {
  const src: StackSource = {
    name: 'm',
    files: files.map(([path, text]) => ({ path, text })),
    env: { S1: 'one', S2: 'two' },
    readFile: () => Buffer.from(''),
  };
  return loadStack(src);
}

describe('merging compose files (-c a.yml -c b.yml)', () => {
  const { stack } = load([
    ['/p/a.yml', BASE],
    ['/p/b.yml', OVERRIDE],
  ]);
  const web = stack.services.find((s) => s.name === 'm_web');

  it('adds services of later files and keeps the others', () => {
    expect(stack.services.map((s) => s.name)).toEqual(['m_cache', 'm_db', 'm_web']);
  });

  it('replaces scalars and command; merges maps key by key', () => {
    expect(web?.task.container.image).toBe('web:2');
    expect(web?.task.container.args).toEqual(['other']);
    expect(web?.task.container.env).toEqual(['A=1', 'B=20', 'C=3']);
    expect(web?.task.container.labels).toMatchObject({ keep: 'base', over: 'override' });
    expect(web?.replicas).toBe(2);
    expect(web?.task.resources).toEqual({
      limits: { nanoCpus: 1e9, memoryBytes: 1024 ** 3 },
    });
  });

  it('merges ports by published:target/protocol, volumes by target, secrets by target', () => {
    expect(web?.ports?.map((p) => `${p.published}:${p.target}/${p.protocol}`)).toEqual([
      '8080:80/tcp',
      '9090:90/tcp',
      '8081:80/tcp',
      '7000:70/udp',
    ]);
    expect(web?.task.container.mounts?.map((m) => `${m.source}:${m.target}`)).toEqual([
      '/b:/data',
      ':/logs',
    ]);
    expect(web?.task.secrets).toEqual([{ source: 'm_s2', target: 's1' }]);
  });

  it('appends other lists (constraints) and merges list and map networks', () => {
    expect(web?.task.placement?.constraints).toEqual(['node.role==worker', 'node.labels.zone==a']);
    expect(web?.networks).toEqual(['m_front', 'm_back']);
  });

  it('gives the same result for the same files in the same order', () => {
    const again = load([
      ['/p/a.yml', BASE],
      ['/p/b.yml', OVERRIDE],
    ]);
    expect(again.stack).toEqual(stack);
    const reversed = load([
      ['/p/b.yml', OVERRIDE],
      ['/p/a.yml', BASE],
    ]);
    expect(reversed.stack.services.find((s) => s.name === 'm_web')?.task.container.image).toBe(
      'web:1',
    );
  });
});
