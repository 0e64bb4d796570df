import type { Config, SecretView } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { T0 } from '../testing/fixtures.js';
import {
  configSize,
  formatConfigPretty,
  formatConfigTable,
  formatSecretPretty,
  formatSecretTable,
} from './secrets.js';

const now = new Date('2026-01-01T02:00:00.000Z');
const meta = { version: 3, createdAt: T0, updatedAt: '2026-01-01T01:59:00.000Z' };

function secret(name: string, over: Partial<SecretView> = {}): SecretView {
  const id = `${name}0123456789abcdefghijklmnop`.slice(0, 25);
  return { id, meta, spec: { name, labels: {}, type: 'opaque' }, size: 11, ...over };
}

const config: Config = {
  id: 'cfg0123456789abcdefghijkl',
  meta,
  spec: {
    name: 'nginx.conf',
    labels: { env: 'prod', flag: '' },
    data: Buffer.from('worker_processes 1;\n').toString('base64'),
  },
};

describe('formatSecretTable', () => {
  it('shows full ids, type, size and ages, sorted by name, never data', () => {
    const out = formatSecretTable([secret('db_pw'), secret('api_cert', { size: 2048 })], now);
    expect(out.split('\n')).toEqual([
      'ID                          NAME       TYPE      SIZE      CREATED       UPDATED',
      'api_cert0123456789abcdefg   api_cert   opaque    2KiB      2 hours ago   About a minute ago',
      'db_pw0123456789abcdefghij   db_pw      opaque    11B       2 hours ago   About a minute ago',
      '',
    ]);
  });
});

describe('formatConfigTable', () => {
  it('shows the decoded size', () => {
    expect(configSize(config)).toBe(20);
    expect(formatConfigTable([config], now).split('\n')).toEqual([
      'ID                          NAME         SIZE      CREATED       UPDATED',
      'cfg0123456789abcdefghijkl   nginx.conf   20B       2 hours ago   About a minute ago',
      '',
    ]);
  });
});

describe('formatSecretPretty', () => {
  it('lists the fields and labels', () => {
    const out = formatSecretPretty(
      secret('db_pw', { spec: { name: 'db_pw', labels: { a: '1' }, type: 'opaque' } }),
      now,
    );
    expect(out).toBe(
      [
        'ID:             db_pw0123456789abcdefghij',
        'Name:           db_pw',
        'Labels:',
        ' - a=1',
        'Type:           opaque',
        'Size:           11 bytes',
        `Created at:     ${T0}`,
        `Updated at:     ${meta.updatedAt}`,
        '',
      ].join('\n'),
    );
  });

  it('shows a tls certificate with its expiry', () => {
    const tls = {
      subject: 'CN=web.example.com',
      issuer: 'CN=Example CA',
      notBefore: T0,
      notAfter: '2026-03-01T00:00:00.000Z',
    };
    const s = secret('web_tls', { spec: { name: 'web_tls', labels: {}, type: 'tls' }, tls });
    expect(formatSecretPretty(s, now)).toContain(
      [
        'Certificate:',
        ' Subject:       CN=web.example.com',
        ' Issuer:        CN=Example CA',
        ` Not Before:    ${T0}`,
        ' Not After:     2026-03-01T00:00:00.000Z (expires in 8 weeks)',
      ].join('\n'),
    );
    const later = new Date('2026-04-01T00:00:00.000Z');
    expect(formatSecretPretty(s, later)).toContain('2026-03-01T00:00:00.000Z (expired)');
  });
});

describe('formatConfigPretty', () => {
  it('prints the labels and the decoded data', () => {
    expect(formatConfigPretty(config)).toBe(
      [
        'ID:             cfg0123456789abcdefghijkl',
        'Name:           nginx.conf',
        'Labels:',
        ' - env=prod',
        ' - flag',
        `Created at:     ${T0}`,
        `Updated at:     ${meta.updatedAt}`,
        'Data:',
        'worker_processes 1;',
        '',
      ].join('\n'),
    );
  });
});
