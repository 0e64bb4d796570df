export { RaftNode } from './raft-node.js';
export type { RaftNodeOptions, LeaderChange } from './options.js';
export type { StateMachine } from './state-machine.js';
export { NodeErrorCode, RaftNodeError, NotLeaderError, LeadershipLostError } from './errors.js';
export { encodeNodeSnapshot, decodeNodeSnapshot, type NodeSnapshot } from './snapshot-data.js';
