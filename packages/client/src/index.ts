export { SwarmletClient, type SwarmletClientOptions } from './client.js';
export type { ClientTls, Endpoint } from './transport.js';
export { readSse, eventItems, type SseMessage } from './sse.js';
