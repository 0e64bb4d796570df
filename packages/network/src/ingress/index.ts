/**
 * The ingress (VIP) proxy: published TCP ports balanced round-robin over a changing backend set,
 * with drain on removal and optional PROXY protocol v2 toward the backends.
 */
export { IngressProxy } from './proxy.js';
export type {
  Backend,
  IngressProxyOptions,
  ListenOptions,
  PortStats,
  PublishedPort,
} from './types.js';
export {
  PROXY_V2_SIGNATURE,
  decodeProxyV2,
  encodeProxyV2,
  encodeProxyV2Local,
  type ProxyEndpoint,
  type ProxyV2Header,
} from './proxy-protocol.js';
