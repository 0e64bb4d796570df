import { describe, expect, it } from 'vitest';
import { collect, expandEnv, parseCount, parseEnv, parseLabels, shellSplit } from './words.js';

describe('collect', () => {
  it('accumulates repeated flag values', () => {
    expect(collect('b', collect('a'))).toEqual(['a', 'b']);
  });
});

describe('parseLabels', () => {
  it('splits on the first = and allows bare keys', () => {
    expect(parseLabels('--label', ['a=1', 'b=x=y', 'c'])).toEqual({ a: '1', b: 'x=y', c: '' });
  });
  it('rejects an empty key', () => {
    expect(() => parseLabels('--label', ['=v'])).toThrow('invalid argument "=v" for "--label"');
  });
});

describe('parseEnv', () => {
  it('keeps KEY=VALUE entries as they are', () => {
    expect(parseEnv('--env', ['A=1', 'B=', 'C'])).toEqual(['A=1', 'B=', 'C']);
  });
  it('rejects names with spaces or no name', () => {
    expect(() => parseEnv('--env', ['=1'])).toThrow('"=1" for "--env"');
    expect(() => parseEnv('--env', ['A B=1'])).toThrow('variable name is invalid');
  });
});

describe('shellSplit', () => {
  it.each([
    ['nginx -g "daemon off;"', ['nginx', '-g', 'daemon off;']],
    ["sh -c 'echo $HOME'", ['sh', '-c', 'echo $HOME']],
    ['  a   b  ', ['a', 'b']],
    ['a\\ b', ['a b']],
    ['""', ['']],
  ])('%s', (input, words) => {
    expect(shellSplit(input)).toEqual(words);
  });
  it('rejects an unterminated quote', () => {
    expect(() => shellSplit('sh -c "oops')).toThrow('unterminated quote');
  });
});

describe('parseCount', () => {
  it('parses non-negative integers only', () => {
    expect(parseCount('--replicas', '3')).toBe(3);
    expect(() => parseCount('--replicas', '-1')).toThrow(
      'invalid argument "-1" for "--replicas": must be a non-negative integer',
    );
    expect(() => parseCount('--replicas', '1.5')).toThrow('"1.5"');
  });
});

describe('expandEnv', () => {
  it('fills bare names from the environment, like docker', () => {
    expect(expandEnv(['A=1', 'HOME', 'UNSET'], { HOME: '/root' })).toEqual([
      'A=1',
      'HOME=/root',
      'UNSET',
    ]);
  });
});
