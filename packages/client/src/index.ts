export { SwarmletClient, type SwarmletClientOptions } from './client.js';
export type { ClientTls, Endpoint } from './transport.js';
