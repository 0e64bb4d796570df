import { NodeSchema, type ControlApi } from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorResponses, RefParams, RemoveNodeQuery, UpdateNodeBody } from '../schemas.js';

const tags = ['nodes'];

/**
 * `GET /nodes`, `GET /nodes/:ref` (id, id prefix or hostname), `POST /nodes/:ref/update`
 * (availability, labels, role; answers the node as written) and `DELETE /nodes/:ref?force=true`.
 */
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
  app.post(
    '/nodes/:ref/update',
    {
      schema: {
        operationId: 'updateNode',
        tags,
        params: RefParams,
        body: UpdateNodeBody,
        response: { 200: NodeSchema, ...ErrorResponses },
      },
    },
    async (req) => control.updateNode(req.params.ref, req.body),
  );
  app.delete(
    '/nodes/:ref',
    {
      schema: {
        operationId: 'removeNode',
        tags,
        params: RefParams,
        querystring: RemoveNodeQuery,
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      await control.removeNode(req.params.ref, { force: req.query.force === 'true' });
      return reply.status(204).send(null);
    },
  );
};
