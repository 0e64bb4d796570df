import {
  ApiTokenCreateRequestSchema,
  ApiTokenCreatedSchema,
  ApiTokenInfoSchema,
  JoinRequestSchema,
  JoinResultSchema,
  JoinTokensSchema,
  LeaveRequestSchema,
  RotateJoinTokenSchema,
  SwarmUpdateRequestSchema,
  UnlockKeySchema,
  UnlockRequestSchema,
  type SwarmApi,
} from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { closed, ErrorResponses, RefParams } from '../schemas.js';

const tags = ['swarm'];

/**
 * Node membership and access: `POST /swarm/join`, `POST /swarm/leave`, join tokens, and the
 * bearer tokens of the TCP API (`/tokens`).
 */
export const swarmRoutes: FastifyPluginAsyncTypebox<{ swarm: SwarmApi }> = async (
  app,
  { swarm },
) => {
  app.post(
    '/swarm/join',
    {
      schema: {
        operationId: 'join',
        tags,
        body: closed(JoinRequestSchema),
        response: { 200: JoinResultSchema, ...ErrorResponses },
      },
    },
    async (req) => swarm.join(req.body),
  );
  app.post(
    '/swarm/leave',
    {
      schema: {
        operationId: 'leave',
        tags,
        body: closed(LeaveRequestSchema),
        response: { 204: Type.Null(), ...ErrorResponses },
      },
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      await swarm.leave(req.body);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/swarm/join-tokens',
    {
      schema: {
        operationId: 'joinTokens',
        tags,
        response: { 200: JoinTokensSchema, ...ErrorResponses },
      },
    },
    async () => swarm.joinTokens(),
  );
  app.post(
    '/swarm/join-tokens/rotate',
    {
      schema: {
        operationId: 'rotateJoinToken',
        tags,
        body: closed(RotateJoinTokenSchema),
        response: { 200: JoinTokensSchema, ...ErrorResponses },
      },
    },
    async (req) => swarm.rotateJoinToken(req.body.role),
  );
  app.post(
    '/tokens',
    {
      schema: {
        operationId: 'createApiToken',
        tags,
        body: closed(ApiTokenCreateRequestSchema),
        response: { 201: ApiTokenCreatedSchema, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await swarm.createApiToken(req.body)),
  );
  app.get(
    '/tokens',
    {
      schema: {
        operationId: 'listApiTokens',
        tags,
        response: { 200: Type.Array(ApiTokenInfoSchema), ...ErrorResponses },
      },
    },
    async () => swarm.listApiTokens(),
  );
  app.post(
    '/swarm/update',
    {
      schema: {
        operationId: 'updateSwarm',
        tags,
        body: closed(SwarmUpdateRequestSchema),
        response: { 200: UnlockKeySchema, ...ErrorResponses },
      },
    },
    async (req) => swarm.updateSwarm(req.body),
  );
  app.get(
    '/swarm/unlockkey',
    {
      schema: {
        operationId: 'unlockKey',
        tags,
        response: { 200: UnlockKeySchema, ...ErrorResponses },
      },
    },
    async () => swarm.unlockKey(false),
  );
  app.post(
    '/swarm/unlockkey/rotate',
    {
      schema: {
        operationId: 'rotateUnlockKey',
        tags,
        response: { 200: UnlockKeySchema, ...ErrorResponses },
      },
    },
    async () => swarm.unlockKey(true),
  );
  app.post(
    '/swarm/unlock',
    {
      schema: {
        operationId: 'unlock',
        tags,
        body: closed(UnlockRequestSchema),
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      await swarm.unlock(req.body);
      return reply.status(204).send(null);
    },
  );
  app.delete(
    '/tokens/:ref',
    {
      schema: {
        operationId: 'removeApiToken',
        tags,
        params: RefParams,
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      await swarm.removeApiToken(req.params.ref);
      return reply.status(204).send(null);
    },
  );
};
