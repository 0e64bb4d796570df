import { TaskSchema, type ControlApi, type TaskFilter } from '@swarmlet/api-types';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorResponses, RefParams, TaskQuery } from '../schemas.js';

const tags = ['tasks'];

/** Drops empty query values (`?service=`), which mean "no filter" rather than "named ''". */
function compactFilter(query: TaskFilter): TaskFilter {
  const filter: TaskFilter = {};
  if (query.service) filter.service = query.service;
  if (query.node) filter.node = query.node;
  if (query.desiredState) filter.desiredState = query.desiredState;
  return filter;
}

/** `GET /tasks?service=&node=&desiredState=` and `GET /tasks/:ref`. */
export const taskRoutes: FastifyPluginAsyncTypebox<{ control: ControlApi }> = async (
  app,
  { control },
) => {
  app.get(
    '/tasks',
    {
      schema: {
        operationId: 'listTasks',
        tags,
        querystring: TaskQuery,
        response: { 200: Type.Array(TaskSchema), ...ErrorResponses },
      },
    },
    async (req) => control.listTasks(compactFilter(req.query)),
  );
  app.get(
    '/tasks/:ref',
    {
      schema: {
        operationId: 'getTask',
        tags,
        params: RefParams,
        response: { 200: TaskSchema, ...ErrorResponses },
      },
    },
    async (req) => control.getTask(req.params.ref),
  );
};
