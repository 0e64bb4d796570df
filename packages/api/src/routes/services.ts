import { ServiceViewSchema, type ControlApi } from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  CreateServiceBody,
  ErrorResponses,
  RefParams,
  ScaleServiceBody,
  UpdateServiceBody,
} from '../schemas.js';

const tags = ['services'];
const one = { 200: ServiceViewSchema, ...ErrorResponses };

/** CRUD, update and scale of services. Writes answer with the service as it is after the write. */
export const serviceRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  app.get(
    '/services',
    {
      schema: {
        operationId: 'listServices',
        tags,
        response: { 200: Type.Array(ServiceViewSchema), ...ErrorResponses },
      },
    },
    async () => control.listServices(),
  );
  app.post(
    '/services',
    {
      schema: {
        operationId: 'createService',
        tags,
        body: CreateServiceBody,
        response: { 201: ServiceViewSchema, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await control.createService(req.body)),
  );
  app.get(
    '/services/:ref',
    { schema: { operationId: 'getService', tags, params: RefParams, response: one } },
    async (req) => control.getService(req.params.ref),
  );
  app.post(
    '/services/:ref/update',
    {
      schema: {
        operationId: 'updateService',
        tags,
        params: RefParams,
        body: UpdateServiceBody,
        response: one,
      },
    },
    async (req) => control.updateService(req.params.ref, req.body),
  );
  app.post(
    '/services/:ref/scale',
    {
      schema: {
        operationId: 'scaleService',
        tags,
        params: RefParams,
        body: ScaleServiceBody,
        response: one,
      },
    },
    async (req) => control.scaleService(req.params.ref, req.body.replicas),
  );
  app.post(
    '/services/:ref/rollback',
    {
      schema: {
        operationId: 'rollbackService',
        tags,
        summary: 'Return the service to its previous spec with its rollback config',
        params: RefParams,
        response: one,
      },
    },
    async (req) => control.rollbackService(req.params.ref),
  );
  app.delete(
    '/services/:ref',
    {
      schema: {
        operationId: 'removeService',
        tags,
        params: RefParams,
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      await control.removeService(req.params.ref);
      return reply.status(204).send(null);
    },
  );
};
