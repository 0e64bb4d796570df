import { describe, expect, it } from 'vitest';
import { serviceView } from '../testing/fixtures.js';
import { applyUpdateFlags, updateEnv } from './update-flags.js';

describe('updateEnv', () => {
  it('replaces variables of the same name, appends new ones, removes by name', () => {
    expect(updateEnv(['A=1', 'B=2', 'C=3'], ['B=20', 'D=4'], ['C'])).toEqual([
      'A=1',
      'B=20',
      'D=4',
    ]);
  });
});

describe('applyUpdateFlags', () => {
  const spec = serviceView('web', 2, 2).spec;

  it('changes only what the flags name, without touching the input', () => {
    const next = applyUpdateFlags(spec, {
      replicas: '5',
      image: 'nginx:2',
      envAdd: ['A=1'],
      envRm: [],
      force: true,
    });
    expect(next.replicas).toBe(5);
    expect(next.task.container.image).toBe('nginx:2');
    expect(next.task.container.env).toEqual(['A=1']);
    expect(next.task.forceUpdate).toBe(1);
    expect(spec.replicas).toBe(2);
    expect(applyUpdateFlags(spec, { envAdd: [], envRm: [] })).toEqual(spec);
  });

  it('rejects bad values', () => {
    expect(() => applyUpdateFlags(spec, { replicas: 'x', envAdd: [], envRm: [] })).toThrow(
      '"--replicas"',
    );
    expect(() => applyUpdateFlags(spec, { envAdd: ['=1'], envRm: [] })).toThrow('"--env-add"');
  });
});
