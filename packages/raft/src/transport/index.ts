export type { Transport, MessageHandler, UnreachableHandler, PeerStats } from './transport.js';
export {
  WsTransport,
  RAFT_WS_PATH,
  type WsTransportOptions,
  type TlsOptions,
} from './ws-transport.js';
export { NODE_ID_HEADER, type PeerOptions } from './peer.js';
export { encodeFrame, decodeFrame, WIRE_VERSION } from './codec.js';
export { MemoryNetwork } from './memory-network.js';
