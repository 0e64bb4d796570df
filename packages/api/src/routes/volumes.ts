import {
  VolumeListSchema,
  VolumeRemovedSchema,
  type ControlApi,
  type VolumeRequest,
} from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { closed, ErrorResponses } from '../schemas.js';

const tags = ['volumes'];

/** `?node=`: a node id, id prefix or hostname; absent or empty means every node. */
const VolumeQuery = closed(Type.Object({ node: Type.Optional(Type.String()) }));

function toRequest(q: { node?: string }): VolumeRequest {
  return q.node ? { node: q.node } : {};
}

/**
 * `GET /volumes?node=` and `DELETE /volumes/:name?node=`: named volumes on the nodes, asked
 * through their agents by the leader (a follower forwards).
 */
export const volumeRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  app.get(
    '/volumes',
    {
      schema: {
        operationId: 'listVolumes',
        summary: 'Named volumes of one node or of every node',
        description:
          'Without node, every node is asked; a node that is down or does not answer is listed ' +
          'in notices instead. With node, that node must answer (503 otherwise).',
        tags,
        querystring: VolumeQuery,
        response: { 200: VolumeListSchema, ...ErrorResponses },
      },
    },
    async (req) => control.listVolumes(toRequest(req.query)),
  );
  app.delete(
    '/volumes/:name',
    {
      schema: {
        operationId: 'removeVolume',
        summary: 'Removes a named volume from a node or from every node that has it',
        description:
          '404 when no node has it; 409 naming node and volume while a container uses it ' +
          '(nothing is removed then).',
        tags,
        params: Type.Object({ name: Type.String({ minLength: 1 }) }),
        querystring: VolumeQuery,
        response: { 200: VolumeRemovedSchema, ...ErrorResponses },
      },
    },
    async (req) => control.removeVolume(req.params.name, toRequest(req.query)),
  );
};
