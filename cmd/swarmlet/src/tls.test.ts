import { SwarmletError } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { CA_CERT_PATH, explainTlsError, withTlsHints } from './tls.js';

const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });
const untrusted = tlsError(
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'unable to verify the first certificate',
);
const remote = { url: 'https://m1:4242' };
const withCa = { url: 'https://m1:4242', tls: { ca: 'PEM' } };

describe('explainTlsError', () => {
  it('asks for the cluster CA when the system CAs do not know the certificate', () => {
    const err = explainTlsError(untrusted, remote);
    expect(err).toBeInstanceOf(SwarmletError);
    expect((err as SwarmletError).code).toBe('UNAVAILABLE');
    expect((err as Error).message).toBe(
      'cannot verify the swarmlet daemon at https://m1:4242 (unable to verify the first ' +
        'certificate): pass the cluster CA with --tlscacert FILE (env SWARMLET_TLS_CA); ' +
        `managers keep it at ${CA_CERT_PATH}`,
    );
    expect((err as Error).cause).toBe(untrusted);
  });

  it('asks whether the given CA is the right one when it was given', () => {
    expect((explainTlsError(untrusted, withCa) as Error).message).toMatch(
      /\(unable to verify the first certificate\): is the file given to --tlscacert \(SWARMLET_TLS_CA\) the CA of this cluster\?$/,
    );
  });

  it('says when the listener does not speak HTTPS', () => {
    const err = explainTlsError(tlsError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version'), remote);
    expect((err as Error).message).toBe(
      'the swarmlet daemon at https://m1:4242 does not speak HTTPS: use http://HOST:PORT for a plain-HTTP listener',
    );
  });

  it('leaves other errors and unix sockets alone', () => {
    const refused = tlsError('ECONNREFUSED', 'refused');
    expect(explainTlsError(refused, remote)).toBe(refused);
    expect(explainTlsError(untrusted, { socketPath: '/s' })).toBe(untrusted);
    const daemon = new SwarmletError('NOT_FOUND', 'service x not found');
    expect(explainTlsError(daemon, remote)).toBe(daemon);
  });
});

describe('withTlsHints', () => {
  const client = {
    prop: 7,
    ok: async (x: number) => x + 1,
    failing: async () => {
      throw untrusted;
    },
  };

  it('rewrites rejections of an https client and passes results and properties through', async () => {
    const wrapped = withTlsHints(client, remote);
    expect(wrapped).not.toBe(client);
    expect(wrapped.prop).toBe(7);
    await expect(wrapped.ok(1)).resolves.toBe(2);
    await expect(wrapped.failing()).rejects.toThrow('pass the cluster CA with --tlscacert');
  });

  it('does not wrap other endpoints', () => {
    expect(withTlsHints(client, { url: 'http://127.0.0.1:1' })).toBe(client);
    expect(withTlsHints(client, { socketPath: '/s' })).toBe(client);
  });
});
