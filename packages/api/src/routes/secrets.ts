import {
  ConfigSchema,
  DataCreateRequestSchema,
  DataUpdateRequestSchema,
  SecretViewSchema,
  type ControlApi,
} from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { closed, ErrorResponses, RefParams } from '../schemas.js';

/** Base64 of a 1000 KB config with room for the JSON around it. */
const BODY_LIMIT = 2 * 1024 * 1024;

/**
 * `POST/GET /secrets`, `GET/POST(update)/DELETE /secrets/:ref`, and the same under `/configs`.
 * Secret data goes in and never comes out: responses are `SecretView`s (no data, its size).
 */
export const secretRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  const tags = ['secrets'];
  app.post(
    '/secrets',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: 'createSecret',
        tags,
        body: closed(DataCreateRequestSchema),
        response: { 201: SecretViewSchema, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await control.createSecret(req.body)),
  );
  app.get(
    '/secrets',
    {
      schema: {
        operationId: 'listSecrets',
        tags,
        response: { 200: Type.Array(SecretViewSchema), ...ErrorResponses },
      },
    },
    async () => control.listSecrets(),
  );
  app.get(
    '/secrets/:ref',
    {
      schema: {
        operationId: 'getSecret',
        tags,
        params: RefParams,
        response: { 200: SecretViewSchema, ...ErrorResponses },
      },
    },
    async (req) => control.getSecret(req.params.ref),
  );
  app.post(
    '/secrets/:ref/update',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: 'updateSecret',
        tags,
        params: RefParams,
        body: closed(DataUpdateRequestSchema),
        response: { 200: SecretViewSchema, ...ErrorResponses },
      },
    },
    async (req) => control.updateSecret(req.params.ref, req.body),
  );
  app.delete(
    '/secrets/:ref',
    {
      schema: {
        operationId: 'removeSecret',
        tags,
        params: RefParams,
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      await control.removeSecret(req.params.ref);
      return reply.status(204).send(null);
    },
  );
};

/** `POST/GET /configs`, `GET/POST(update)/DELETE /configs/:ref`: data visible. */
export const configRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  const tags = ['configs'];
  app.post(
    '/configs',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: 'createConfig',
        tags,
        body: closed(DataCreateRequestSchema),
        response: { 201: ConfigSchema, ...ErrorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await control.createConfig(req.body)),
  );
  app.get(
    '/configs',
    {
      schema: {
        operationId: 'listConfigs',
        tags,
        response: { 200: Type.Array(ConfigSchema), ...ErrorResponses },
      },
    },
    async () => control.listConfigs(),
  );
  app.get(
    '/configs/:ref',
    {
      schema: {
        operationId: 'getConfig',
        tags,
        params: RefParams,
        response: { 200: ConfigSchema, ...ErrorResponses },
      },
    },
    async (req) => control.getConfig(req.params.ref),
  );
  app.post(
    '/configs/:ref/update',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: 'updateConfig',
        tags,
        params: RefParams,
        body: closed(DataUpdateRequestSchema),
        response: { 200: ConfigSchema, ...ErrorResponses },
      },
    },
    async (req) => control.updateConfig(req.params.ref, req.body),
  );
  app.delete(
    '/configs/:ref',
    {
      schema: {
        operationId: 'removeConfig',
        tags,
        params: RefParams,
        response: { 204: Type.Null(), ...ErrorResponses },
      },
    },
    async (req, reply) => {
      await control.removeConfig(req.params.ref);
      return reply.status(204).send(null);
    },
  );
};
