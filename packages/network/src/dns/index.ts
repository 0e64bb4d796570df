/**
 * The service DNS server: `DnsServer` answers from a `DnsRecords` source (`ServiceRecords` is the
 * in-memory one with Docker Swarm's naming rules) and forwards other names upstream.
 */
export { DnsServer, type DnsServerOptions } from './server.js';
export {
  DEFAULT_TTL,
  ServiceRecords,
  type Answer,
  type DnsRecords,
  type QueryType,
  type ServiceEndpoint,
  type ServiceRecordsOptions,
} from './records.js';
export { parseResolvConf, type Upstream as DnsUpstream } from './upstreams.js';
