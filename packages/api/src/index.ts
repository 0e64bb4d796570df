export { buildApi, CONSISTENCY_HEADER, OPENAPI_PATH, type ApiDeps } from './app.js';
export { ERROR_STATUS, isErrorCode, toErrorBody } from './errors.js';
