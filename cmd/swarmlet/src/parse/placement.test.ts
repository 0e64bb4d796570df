import { describe, expect, it } from 'vitest';
import { buildServiceSpec } from './service-flags.js';

describe('placement flags', () => {
  it('maps --constraint, --placement-pref and --replicas-max-per-node', () => {
    const spec = buildServiceSpec(
      'img',
      [],
      {
        constraint: ['node.labels.zone==a', 'node.role!=manager'],
        placementPref: ['spread=node.labels.zone'],
        replicasMaxPerNode: '2',
      },
      'web',
    );
    expect(spec.task.placement).toEqual({
      constraints: ['node.labels.zone==a', 'node.role!=manager'],
      preferences: [{ spread: 'node.labels.zone' }],
      maxReplicasPerNode: 2,
    });
    expect(buildServiceSpec('img', [], {}, 'web').task.placement).toBeUndefined();
  });

  it('refuses malformed values with the flag named', () => {
    expect(() => buildServiceSpec('img', [], { constraint: ['zone=a'] }, 'w')).toThrow(
      /--constraint.*KEY==VALUE/,
    );
    expect(() => buildServiceSpec('img', [], { placementPref: ['binpack'] }, 'w')).toThrow(
      /--placement-pref.*spread=/,
    );
    expect(() => buildServiceSpec('img', [], { replicasMaxPerNode: '-1' }, 'w')).toThrow(
      /--replicas-max-per-node/,
    );
  });
});
