import { NetworkCreateRequestSchema, NetworkSchema, type ControlApi } from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { closed, ErrorResponses, RefParams } from '../schemas.js';

const tags = ['networks'];

/** `POST/GET /networks`, `GET/DELETE /networks/:ref` (id, id prefix or name). */
export const networkRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  app.post(
    '/networks',
    {
      schema: {
        operationId: 'createNetwork',
        tags,
        body: closed(NetworkCreateRequestSchema),
        response: { 201: NetworkSchema, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await control.createNetwork(req.body)),
  );
  app.get(
    '/networks',
    {
      schema: {
        operationId: 'listNetworks',
        tags,
        response: { 200: Type.Array(NetworkSchema), ...ErrorResponses },
      },
    },
    async () => control.listNetworks(),
  );
  app.get(
    '/networks/:ref',
    {
      schema: {
        operationId: 'getNetwork',
        tags,
        params: RefParams,
        response: { 200: NetworkSchema, ...ErrorResponses },
      },
    },
    async (req) => control.getNetwork(req.params.ref),
  );
  app.delete(
    '/networks/:ref',
    {
      schema: {
        operationId: 'removeNetwork',
        tags,
        params: RefParams,
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      await control.removeNetwork(req.params.ref);
      return reply.status(204).send(null);
    },
  );
};
