import swagger from '@fastify/swagger';
import type { ControlApi } from '@swarmlet/api-types';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { errorHandler, notFoundHandler } from './errors.js';
import { infoRoutes } from './routes/info.js';
import { nodeRoutes } from './routes/nodes.js';
import { serviceRoutes } from './routes/services.js';
import { taskRoutes } from './routes/tasks.js';

/** Dependencies of the REST API: any ControlApi (the manager's, or a fake in tests). */
export interface ApiDeps {
  control: ControlApi;
  /** Fastify logger options; off by default. */
  logger?: FastifyServerOptions['logger'];
  /** An existing pino-compatible logger (the daemon's), instead of `logger` options. */
  loggerInstance?: FastifyBaseLogger;
}

/** Path of the OpenAPI 3.1 document describing every route. */
export const OPENAPI_PATH = '/v1/openapi.json';

/**
 * Builds the REST API without listening: the daemon calls `listen` on its socket, tests call
 * `inject`. Every route validates its request and serialises its response with the api-types
 * schemas; every error leaves through one handler as `{code, message, details?}`.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.loggerInstance
      ? { loggerInstance: deps.loggerInstance }
      : { logger: deps.logger ?? false }),
    // Reject unknown fields and wrong types instead of stripping or coercing them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // Registration is queued (avvio): swagger loads first, so it sees every route added after it.
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'swarmlet', version: '1', description: 'swarmlet control API' },
    },
  });
  const opts = { control: deps.control, prefix: '/v1' };
  void app.register(infoRoutes, opts);
  void app.register(serviceRoutes, opts);
  void app.register(taskRoutes, opts);
  void app.register(nodeRoutes, opts);
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  return app;
}
