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
});
export type ClusterSpec = Static<typeof ClusterSpecSchema>;

export const ClusterSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: ClusterSpecSchema,
});
export type Cluster = Static<typeof ClusterSchema>;

/** Declared for the networking issue; not yet allocated by anything. */
export const NetworkSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: Type.Object({
    name: Type.String(),
    driver: Type.String(),
    labels: LabelsSchema,
    attachable: Type.Boolean(),
    subnet: Type.String(),
  }),
});
export type Network = Static<typeof NetworkSchema>;

/** Declared for the secrets issue. `data` is base64 and is never returned by the API. */
export const SecretSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: Type.Object({ name: Type.String(), labels: LabelsSchema, data: Type.String() }),
});
export type Secret = Static<typeof SecretSchema>;

/** Declared for the secrets issue. `data` is base64. */
export const ConfigSchema = Type.Object({
  id: Type.String(),
  meta: MetaSchema,
  spec: Type.Object({ name: Type.String(), labels: LabelsSchema, data: Type.String() }),
});
export type Config = Static<typeof ConfigSchema>;
