import { NodeSchema, type ControlApi } from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorResponses, RefParams } from '../schemas.js';

const tags = ['nodes'];

/** `GET /nodes` and `GET /nodes/:ref` (id, id prefix or hostname). */
export const nodeRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  app.get(
    '/nodes',
    {
      schema: {
        operationId: 'listNodes',
        tags,
        response: { 200: Type.Array(NodeSchema), ...ErrorResponses },
      },
    },
    async () => control.listNodes(),
  );
  app.get(
    '/nodes/:ref',
    {
      schema: {
        operationId: 'getNode',
        tags,
        params: RefParams,
        response: { 200: NodeSchema, ...ErrorResponses },
      },
    },
    async (req) => control.getNode(req.params.ref),
  );
};
