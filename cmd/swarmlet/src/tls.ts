import type { PeerCertificate } from 'node:tls';
import { SwarmletError } from '@swarmlet/api-types';
import type { Endpoint } from '@swarmlet/client';

/**
 * Subject OU of manager certificates: `ROLE_OU.manager` of `@swarmlet/ca`, copied so the CLI
 * does not pull in the PKI package and its X.509 dependencies.
 */
export const MANAGER_OU = 'swarmlet-manager';

/** Where a manager keeps the cluster CA certificate, for hints. */
export const CA_CERT_PATH = '/var/lib/swarmlet/certs/ca.crt';

/**
 * `checkServerIdentity` used with `--tlscacert`. Cluster certificates name node ids, not the
 * addresses the CLI dials, so instead of the host name it requires what matters: the chain was
 * already verified against the given CA, and the certificate's OU says manager.
 */
export function checkServerIsManager(host: string, cert: PeerCertificate): Error | undefined {
  const ou: unknown = cert.subject?.OU;
  const ous = Array.isArray(ou) ? ou : [ou];
  if (ous.includes(MANAGER_OU)) return undefined;
  return new Error(`the certificate of ${host} is not a swarmlet manager certificate`);
}

/** OpenSSL/Node codes for a server certificate that does not chain to a trusted CA. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a TLS failure against an https endpoint into `UNAVAILABLE` with what to do about it: an
 * untrusted certificate without `--tlscacert` asks for the cluster CA (the daemon's certificate
 * is never checked against the system CAs successfully); with one, it asks whether it is this
 * cluster's CA; a plain-HTTP listener asks for `http://`. Other errors are returned unchanged.
 */
export function explainTlsError(err: unknown, endpoint: Endpoint): unknown {
  if (!('url' in endpoint)) return err;
  const code = codeOf(err);
  const cause = { cause: err };
  const why = err instanceof Error ? err.message : String(err);
  const at = `the swarmlet daemon at ${endpoint.url}`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new SwarmletError(
      'UNAVAILABLE',
      `${at} does not speak HTTPS: use http://HOST:PORT for a plain-HTTP listener`,
      cause,
    );
  }
  if (code === undefined || !UNTRUSTED.has(code)) return err;
  const hint = endpoint.tls?.ca
    ? 'is the file given to --tlscacert (SWARMLET_TLS_CA) the CA of this cluster?'
    : `pass the cluster CA with --tlscacert FILE (env SWARMLET_TLS_CA); managers keep it at ${CA_CERT_PATH}`;
  return new SwarmletError('UNAVAILABLE', `cannot verify ${at} (${why}): ${hint}`, cause);
}

/**
 * Wraps every method of `client` so that its rejections pass through `explainTlsError`; other
 * properties are left alone. Only https endpoints are wrapped.
 */
export function withTlsHints<T extends object>(client: T, endpoint: Endpoint): T {
  if (!('url' in endpoint) || !endpoint.url.startsWith('https:')) return client;
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) =>
        Promise.resolve(method.apply(target, args)).catch((err: unknown) => {
          throw explainTlsError(err, endpoint);
        });
    },
  });
}
