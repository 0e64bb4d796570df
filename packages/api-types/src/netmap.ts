import type { AllocatedPort, EndpointMode } from './service.js';

/**
 * What a node's data plane needs to know, sent by the leader's dispatcher on every agent
 * session and again whenever it changes (swarmkit spreads the same facts by gossip; we send
 * them down the session, so a node's view is never older than its assignments).
 *
 * Every node is attached to every overlay network (it has its own address on each, `nodeAddr`),
 * so its ingress listeners can reach tasks on any network.
 */
export interface NetMap {
  /** This node's underlay address (the VXLAN tunnels' local end). */
  addr: string;
  networks: NetMapNetwork[];
  services: NetMapService[];
}

export interface NetMapNetwork {
  id: string;
  name: string;
  /** CIDR, e.g. `10.0.1.0/24`. */
  subnet: string;
  vni: number;
  /** This node's address on the network (CIDR form): its bridge's gateway address. */
  nodeAddr: string;
  /** Underlay addresses of the other nodes attached to the network. */
  peers: string[];
}

export interface NetMapService {
  id: string;
  name: string;
  endpointMode: EndpointMode;
  vips: { networkId: string; addr: string }[];
  ports: AllocatedPort[];
  /** Running tasks that are wanted running: the only ones traffic is sent to. */
  tasks: NetMapTask[];
}

export interface NetMapTask {
  id: string;
  nodeId: string;
  /** Underlay address of the task's node. */
  nodeAddr: string;
  networks: { networkId: string; addr: string }[];
}

/** A docker bridge network standing for one overlay network on one node. */
export interface BridgeSpec {
  name: string;
  /** Linux bridge name (the VXLAN device is enslaved to it). */
  bridge: string;
  subnet: string;
  /** This node's own address on the overlay. */
  gateway: string;
  mtu: number;
}

/** A task's network settings for its container, from the node's data plane. */
export interface TaskEndpoints {
  /** Docker networks with the task's address on each; the first is the container's primary. */
  networks: { name: string; ip: string }[];
  /** The node's DNS server on the task's first network. */
  dns: string[];
  hostPorts: { target: number; published: number; protocol: 'tcp' | 'udp' }[];
}
