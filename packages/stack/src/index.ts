export { loadStack } from './load.js';
export {
  IMAGE_LABEL,
  NAMESPACE_LABEL,
  SPEC_HASH_LABEL,
  type LoadedStack,
  type Stack,
  type StackData,
  type StackNetwork,
  type StackSource,
  type StackVolume,
} from './model.js';
export {
  listStacks,
  planRemove,
  planResources,
  planServices,
  serviceChanged,
  stackServices,
  type ClusterState,
  type DataUpdate,
  type RemovePlan,
  type ResourcePlan,
  type ServicePlan,
  type ServiceUpdate,
} from './plan.js';
export { interpolateString, type InterpolationNotes, type Variables } from './interpolate.js';
export { parseDotEnv } from './dotenv.js';
export { parseBytes, parseCpus, parseDuration, parseMode } from './units.js';
