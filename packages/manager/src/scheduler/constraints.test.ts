import { isSwarmletError } from '@swarmlet/api-types';
import { sampleNode } from '@swarmlet/store';
import { describe, expect, it } from 'vitest';
import { parseConstraint, parseSpread, satisfies } from './constraints.js';

const node = {
  ...sampleNode('n1', 'ready', '10.0.0.1'),
  meta: { version: 1, createdAt: '', updatedAt: '' },
};
const n = {
  ...node,
  spec: { ...node.spec, labels: { zone: 'a' } },
  description: { ...node.description, engine: { version: '', labels: { ssd: 'true' } } },
};

describe('constraints', () => {
  it.each([
    ['node.id==n1', true],
    ['node.id!=n1', false],
    ['node.hostname==n1', true],
    ['node.role==worker', true],
    ['node.role == manager', false],
    ['node.platform.os==linux', true],
    ['node.platform.arch!=arm64', true],
    ['node.labels.zone==a', true],
    ['node.labels.zone==b', false],
    ['node.labels.rack!=r1', true], // an absent label is "not equal"
    ['node.labels.rack==r1', false],
    ['engine.labels.ssd==true', true],
  ])('%s -> %s', (text, ok) => {
    expect(satisfies(n, parseConstraint(text))).toBe(ok);
  });

  it.each([
    ['zone=a', /expected KEY==VALUE/],
    ['node.zone==a', /unknown key "node.zone"/],
    ['node.labels.==a', /unknown key/],
    ['node.labels.zone==', /the value is empty/],
  ])('refuses %s', (text, msg) => {
    let err: unknown;
    try {
      parseConstraint(text);
    } catch (e) {
      err = e;
    }
    expect(isSwarmletError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toMatch(msg);
  });

  it('parses spread preferences', () => {
    expect(parseSpread('spread=node.labels.zone')).toBe('node.labels.zone');
    expect(() => parseSpread('binpack=node.labels.zone')).toThrow(/expected spread=/);
  });
});
