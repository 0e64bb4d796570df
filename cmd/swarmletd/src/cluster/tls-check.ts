import type { PeerCertificate } from 'node:tls';
import { ROLE_OU } from '@swarmlet/ca';

/**
 * `checkServerIdentity` for node-to-node connections. Managers are dialed by address, which no
 * node certificate names, so instead of the host name we require what matters: the chain was
 * already verified against the cluster CA (`ca` option), and the certificate's OU says manager.
 */
export function checkServerIsManager(_host: string, cert: PeerCertificate): Error | undefined {
  const ou = cert.subject?.OU;
  const ous = Array.isArray(ou) ? ou : [ou];
  if (ous.includes(ROLE_OU.manager)) return undefined;
  return new Error('the server certificate is not a swarmlet manager certificate');
}
