/** The `ca`, `cert` and `key` options of node:tls / node:https, as PEM strings. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/**
 * TLS options for a node: trust only the cluster CA, present the node's certificate and key.
 * Spread into `tls.createServer({ ...tlsMaterial(ca, node), requestCert: true,
 * rejectUnauthorized: true })` or `tls.connect({ ...tlsMaterial(ca, node), servername })`.
 */
export function tlsMaterial(
  ca: { certPem: string },
  node: { certPem: string; keyPem: string },
): TlsMaterial {
  return { ca: ca.certPem, cert: node.certPem, key: node.keyPem };
}
