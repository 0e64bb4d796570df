export { SwarmletClient, type SwarmletClientOptions } from './client.js';
export type { Endpoint } from './transport.js';
