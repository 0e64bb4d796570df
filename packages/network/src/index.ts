/**
 * @swarmlet/network: the node-side data plane: the service DNS server and the ingress proxy.
 */
export * from './dns/index.js';
export * from './ingress/index.js';
export * from './dataplane/index.js';
export * from './node/index.js';
