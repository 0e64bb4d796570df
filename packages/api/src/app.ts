import swagger from '@fastify/swagger';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { ControlApi, SwarmApi } from '@swarmlet/api-types';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { errorHandler, notFoundHandler } from './errors.js';
import { eventRoutes } from './routes/events.js';
import { infoRoutes } from './routes/info.js';
import { logRoutes } from './routes/logs.js';
import { networkRoutes } from './routes/networks.js';
import { configRoutes, secretRoutes } from './routes/secrets.js';
import { nodeRoutes } from './routes/nodes.js';
import { serviceRoutes } from './routes/services.js';
import { swarmRoutes } from './routes/swarm.js';
import { taskRoutes } from './routes/tasks.js';
import { volumeRoutes } from './routes/volumes.js';

/** Dependencies of the REST API: any ControlApi (the manager's, or a fake in tests). */
export interface ApiDeps {
  control: ControlApi;
  /** Fastify logger options; off by default. */
  logger?: FastifyServerOptions['logger'];
  /** An existing pino-compatible logger (the daemon's), instead of `logger` options. */
  loggerInstance?: FastifyBaseLogger;
  /** Node membership and token routes (`/v1/swarm/*`, `/v1/tokens`), when the host serves them. */
  swarm?: SwarmApi;
  /** Serve HTTPS with these options (the daemon's cluster port). */
  https?: HttpsOptions;
  /**
   * Runs before every request (after routing): throws `SwarmletError` UNAUTHORIZED or FORBIDDEN
   * to refuse it. Absent: everything is allowed (the root-only unix socket).
   */
  authorize?: (req: FastifyRequest) => void | Promise<void>;
  /**
   * Runs before every read of cluster state (GET routes other than `/info` and the OpenAPI
   * document) unless the request carries `x-swarmlet-consistency: local`: the daemon makes the
   * read linearizable there (Raft ReadIndex).
   */
  beforeRead?: (req: FastifyRequest) => Promise<void>;
}

/** Header with which a client accepts a possibly stale read from the manager it asks. */
export const CONSISTENCY_HEADER = 'x-swarmlet-consistency';

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
      ? {
          loggerInstance: deps.loggerInstance,
          // The daemon logs what matters itself; per-request lines would drown it.
          logController: new LogController({ disableRequestLogging: true }),
        }
      : { logger: deps.logger ?? false }),
    // Reject unknown fields and wrong types instead of stripping or coercing them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    // Other managers keep connections open (forwarding): close them with the server.
    ...(deps.https ? { https: deps.https, forceCloseConnections: true } : {}),
  }) as unknown as FastifyInstance;
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  const { authorize, beforeRead } = deps;
  if (authorize) app.addHook('onRequest', async (req) => authorize(req));
  if (beforeRead) {
    app.addHook('preHandler', async (req) => {
      if (req.method !== 'GET' || req.headers[CONSISTENCY_HEADER] === 'local') return;
      const url = req.routeOptions.url ?? '';
      // Events are this manager's own log: no Raft round trip, and they work without a quorum.
      const own = url === '/v1/info' || url === OPENAPI_PATH || url === '/v1/events';
      if (own || url === '' || url.startsWith('/v1/node/')) {
        return;
      }
      await beforeRead(req);
    });
  }
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
  void app.register(networkRoutes, opts);
  void app.register(secretRoutes, opts);
  void app.register(configRoutes, opts);
  void app.register(eventRoutes, opts);
  void app.register(logRoutes, opts);
  void app.register(volumeRoutes, opts);
  if (deps.swarm) void app.register(swarmRoutes, { swarm: deps.swarm, prefix: '/v1' });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  return app;
}
