import { ClusterViewSchema, InfoSchema, type ControlApi } from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponses, InitBody } from '../schemas.js';

/** `GET /info`, `POST /cluster/init`, `GET /cluster`. */
export const infoRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  app.get(
    '/info',
    {
      schema: {
        operationId: 'info',
        tags: ['cluster'],
        response: { 200: InfoSchema, ...ErrorResponses },
      },
    },
    async () => control.info(),
  );
  app.post(
    '/cluster/init',
    {
      schema: {
        operationId: 'init',
        tags: ['cluster'],
        body: InitBody,
        response: { 200: ClusterViewSchema, ...ErrorResponses },
      },
      // `curl -X POST .../cluster/init` sends no body: treat it as `{}` (all defaults).
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => control.init(req.body),
  );
  app.get(
    '/cluster',
    {
      schema: {
        operationId: 'getCluster',
        tags: ['cluster'],
        response: { 200: ClusterViewSchema, ...ErrorResponses },
      },
    },
    async () => control.getCluster(),
  );
};
