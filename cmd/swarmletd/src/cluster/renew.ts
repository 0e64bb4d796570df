import { createNodeKey } from '@swarmlet/ca';
import { leaderRequest } from './node-client.js';
import { NodeCerts } from './node-state.js';

export interface RenewOptions {
  nodeId: string;
  certs: NodeCerts;
  managers: string[];
}

/**
 * A new key and certificate from the managers, authenticated by the current certificate. The
 * managers decide the role (the store's), so this is also how promotions and demotions reach
 * the node's certificate.
 */
export async function renewCertificate(o: RenewOptions): Promise<NodeCerts> {
  const key = await createNodeKey(o.nodeId);
  const res = await leaderRequest<{ certPem: string }>(
    o.managers,
    'POST',
    '/v1/node/certificate',
    { csrPem: key.csrPem },
    { tls: o.certs.tls() },
  );
  return new NodeCerts(o.certs.caPem, res.body.certPem, key.keyPem);
}
