import {
  ErrorBodySchema,
  InitRequestSchema,
  NodeUpdateRequestSchema,
  ServiceSpecInputSchema,
  TaskFilterSchema,
} from '@swarmlet/api-types';
import { Type, type TSchema } from 'typebox';

/**
 * Returns a plain-JSON copy of `schema` in which every object with declared `properties`
 * rejects unknown fields (`additionalProperties: false`), so a typo such as `replica: 3` is an
 * error rather than silently ignored. Only for request schemas: it would break `allOf`.
 */
export function closed<T extends TSchema>(schema: T): T {
  return closeObjects(JSON.parse(JSON.stringify(schema))) as T;
}

function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) {
    for (const item of node) closeObjects(item);
    return node;
  }
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  const open = obj['additionalProperties'] === undefined && obj['patternProperties'] === undefined;
  if (obj['type'] === 'object' && obj['properties'] !== undefined && open) {
    obj['additionalProperties'] = false;
  }
  for (const value of Object.values(obj)) closeObjects(value);
  return obj;
}

/** `:ref` path parameter: an id, a unique id prefix or a name. */
export const RefParams = Type.Object({ ref: Type.String({ minLength: 1 }) });

/** Bodies of the write routes, closed against unknown fields. */
export const CreateServiceBody = closed(ServiceSpecInputSchema);
export const UpdateServiceBody = closed(
  Type.Object({
    version: Type.Optional(Type.Integer({ minimum: 0 })),
    spec: ServiceSpecInputSchema,
  }),
);
export const ScaleServiceBody = closed(Type.Object({ replicas: Type.Integer({ minimum: 0 }) }));
export const InitBody = closed(InitRequestSchema);
export const TaskQuery = closed(TaskFilterSchema);
export const UpdateNodeBody = closed(NodeUpdateRequestSchema);
/** `DELETE /nodes/:ref?force=true`: query values are strings (types are not coerced). */
export const RemoveNodeQuery = closed(
  Type.Object({ force: Type.Optional(Type.Enum(['true', 'false'])) }),
);

/** Error responses, declared on every route so the OpenAPI document shows them. */
export const ErrorResponses = {
  '4xx': ErrorBodySchema,
  '5xx': ErrorBodySchema,
} as const;
