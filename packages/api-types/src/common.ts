import { Type, type Static } from 'typebox';
import { TASK_STATES } from './task-state.js';

/** Store bookkeeping on every object. `version` is the store index of the last change. */
export const MetaSchema = Type.Object({
  version: Type.Integer({ minimum: 0 }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Meta = Static<typeof MetaSchema>;

export const LabelsSchema = Type.Record(Type.String(), Type.String());
export type Labels = Static<typeof LabelsSchema>;

export const TaskStateSchema = Type.Enum(TASK_STATES);

export const ResourcesSchema = Type.Object({
  /** CPU in units of 1e-9 CPUs, as in Docker's NanoCPUs. 0 means no limit. */
  nanoCpus: Type.Integer({ minimum: 0 }),
  /** Memory in bytes. 0 means no limit. */
  memoryBytes: Type.Integer({ minimum: 0 }),
});
export type Resources = Static<typeof ResourcesSchema>;

export const PlatformSchema = Type.Object({ os: Type.String(), arch: Type.String() });
export type Platform = Static<typeof PlatformSchema>;
