import { Type, type Static } from 'typebox';
import { LabelsSchema, MetaSchema } from './common.js';

export const ClusterSpecSchema = Type.Object({
  name: Type.String(),
  orchestration: Type.Object({
    /** Finished tasks kept per slot before the reaper deletes the oldest (swarmkit: 5). */
    taskHistoryRetentionLimit: Type.Integer({ minimum: 0 }),
  }),
  dispatcher: Type.Object({
    /** Agents send a heartbeat each period; a node is DOWN after 3 missed periods. */
    heartbeatPeriodMs: Type.Integer({ minimum: 100 }),
  }),
  /** Where overlay subnets come from (default 10.0.0.0/8 in /24s, as Swarm). */
  network: Type.Optional(
    Type.Object({
      addrPools: Type.Array(Type.String()),
      subnetPrefix: Type.Integer({ minimum: 8, maximum: 29 }),
    }),
  ),
  ca: Type.Optional(
    Type.Object({
      /** Validity of node certificates; nodes renew at 50-80 % of it. */
      nodeCertExpiryMs: Type.Integer({ minimum: 10_000 }),
    }),
  ),
});
export type ClusterSpec = Static<typeof ClusterSpecSchema>;

export const API_TOKEN_ROLES = ['admin', 'readonly'] as const;
export type ApiTokenRole = (typeof API_TOKEN_ROLES)[number];

/** A bearer token for the TCP API as stored: only its hash is kept. */
export const StoredApiTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.Enum(API_TOKEN_ROLES),
  hash: Type.String(),
  createdAt: Type.String(),
});
export type StoredApiToken = Static<typeof StoredApiTokenSchema>;

/**
 * Cluster-wide secrets kept in the replicated store and never returned by the API: the root CA
 * (every manager can issue node certificates), the join tokens, the API token hashes.
 */
export const ClusterSecretsSchema = Type.Object({
  rootCA: Type.Object({ certPem: Type.String(), keyPem: Type.String() }),
  joinTokens: Type.Object({ worker: Type.String(), manager: Type.String() }),
  apiTokens: Type.Array(StoredApiTokenSchema),
  /**
   * Autolock: the key every manager wraps its data key with (`swarmlet unlock` after a restart).
   * Absent when autolock is off.
   */
  unlockKey: Type.Optional(Type.String()),
});
export type ClusterSecrets = Static<typeof ClusterSecretsSchema>;

/** The cluster as the API shows it. */
export const ClusterViewSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: ClusterSpecSchema,
  /** PEM of the root CA certificate (public). */
  caCertPem: Type.Optional(Type.String()),
});
export type ClusterView = Static<typeof ClusterViewSchema>;

export const ClusterSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: ClusterSpecSchema,
  /** Absent on clusters created before the CA existed (single-node data dirs). */
  secrets: Type.Optional(ClusterSecretsSchema),
});
export type Cluster = Static<typeof ClusterSchema>;

export const NETWORK_DRIVERS = ['overlay'] as const;

export const NetworkSpecSchema = Type.Object({
  name: Type.String(),
  driver: Type.Enum(NETWORK_DRIVERS),
  labels: LabelsSchema,
  /** Standalone containers may join (reserved for later use; stored and shown). */
  attachable: Type.Boolean(),
  /** Requested subnet (CIDR); empty: the allocator picks one from the cluster's pools. */
  subnet: Type.String(),
});
export type NetworkSpec = Static<typeof NetworkSpecSchema>;

/** An overlay network; `ipam` and `vni` are filled by the allocator. */
export const NetworkSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: NetworkSpecSchema,
  ipam: Type.Optional(Type.Object({ subnet: Type.String(), gateway: Type.String() })),
  /** VXLAN network identifier of the data plane. */
  vni: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type Network = Static<typeof NetworkSchema>;

export const NetworkCreateRequestSchema = Type.Object({
  name: Type.String(),
  driver: Type.Optional(Type.Enum(NETWORK_DRIVERS)),
  labels: Type.Optional(LabelsSchema),
  attachable: Type.Optional(Type.Boolean()),
  subnet: Type.Optional(Type.String()),
});
export type NetworkCreateRequest = Static<typeof NetworkCreateRequestSchema>;

/** `registry`: credentials for image pulls (`swarmlet registry login`), data a `RegistryCredential`. */
export const SECRET_TYPES = ['opaque', 'tls', 'registry'] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

/** What `secret inspect` shows of a `tls` secret's certificate. */
export const TlsInfoSchema = Type.Object({
  subject: Type.String(),
  issuer: Type.String(),
  notBefore: Type.String(),
  notAfter: Type.String(),
});
export type TlsInfo = Static<typeof TlsInfoSchema>;

/**
 * A secret as stored. `data` is base64 and is never returned by the API (see `SecretView`); on a
 * manager's disk it is inside the encrypted Raft log. `meta.version` changes with every update
 * (`secret update` stores a new value under the same name).
 */
export const SecretSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: Type.Object({
    name: Type.String(),
    labels: LabelsSchema,
    data: Type.String(),
    type: Type.Optional(Type.Enum(SECRET_TYPES)),
  }),
  tls: Type.Optional(TlsInfoSchema),
  /** For `registry` secrets: which server they log in to, and as whom (never the password). */
  registry: Type.Optional(Type.Object({ server: Type.String(), username: Type.String() })),
});
export type Secret = Static<typeof SecretSchema>;

/** The data of a `registry` secret (JSON, base64 in `spec.data`). */
export interface RegistryCredential {
  server: string;
  username: string;
  password: string;
}

/** The secret name `registry login SERVER` stores its credential under. */
export function registrySecretName(server: string): string {
  return `registry-${server.replace(/[^a-zA-Z0-9._-]/g, '_')}`;
}

/** A secret as the API shows it: everything but the data, plus its size. */
export const SecretViewSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: Type.Object({
    name: Type.String(),
    labels: LabelsSchema,
    type: Type.Enum(SECRET_TYPES),
  }),
  size: Type.Integer(),
  tls: Type.Optional(TlsInfoSchema),
  registry: Type.Optional(Type.Object({ server: Type.String(), username: Type.String() })),
});
export type SecretView = Static<typeof SecretViewSchema>;

export function toSecretView(s: Secret): SecretView {
  const view: SecretView = {
    id: s.id,
    meta: s.meta,
    spec: { name: s.spec.name, labels: s.spec.labels, type: s.spec.type ?? 'opaque' },
    size: Buffer.from(s.spec.data, 'base64').byteLength,
  };
  if (s.tls) view.tls = s.tls;
  if (s.registry) view.registry = s.registry;
  return view;
}

/** A config: like a secret, but its data (base64) is shown by the API. */
export const ConfigSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: Type.Object({ name: Type.String(), labels: LabelsSchema, data: Type.String() }),
});
export type Config = Static<typeof ConfigSchema>;

/** `secret create` / `config create`: data is base64. `type` is for secrets only. */
export const DataCreateRequestSchema = Type.Object({
  name: Type.String(),
  labels: Type.Optional(LabelsSchema),
  data: Type.String(),
  type: Type.Optional(Type.Enum(SECRET_TYPES)),
});
export type DataCreateRequest = Static<typeof DataCreateRequestSchema>;

/** `secret update` / `config update`: a new value under the same name (base64). */
export const DataUpdateRequestSchema = Type.Object({
  data: Type.String(),
  version: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type DataUpdateRequest = Static<typeof DataUpdateRequestSchema>;

/** The API's view of a stored cluster: secrets dropped, the CA certificate shown. */
export function toClusterView(c: Cluster): ClusterView {
  const view: ClusterView = { id: c.id, meta: c.meta, spec: c.spec };
  if (c.secrets) view.caCertPem = c.secrets.rootCA.certPem;
  return view;
}
