export { DockerExecutor, parseLabelList, type DockerExecutorOptions } from './docker-executor.js';
export { DockerTaskController, containerState } from './docker-controller.js';
export {
  createOptions,
  stopTimeoutSeconds,
  taskEnv,
  taskLabels,
  TASK_ENV,
} from './container-config.js';
export {
  EngineConnection,
  dockerOptions,
  negotiateApiVersion,
  MAX_API_VERSION,
  type EngineEndpoint,
} from './engine.js';
export * from './networking.js';
export { TaskFiles, SECRETS_DIR, type TaskFile, type TaskFilesOptions } from './task-files.js';
export { pullImage } from './image.js';
export { VOLUME_LABEL, hostMount } from './mounts.js';
export {
  DEFAULT_REGISTRY,
  redactPassword,
  registryHost,
  registryOf,
  type RegistryAuth,
} from './registry-auth.js';
