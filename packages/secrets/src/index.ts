/**
 * @swarmlet/secrets: encryption at rest for secrets (issue 6). AES-256-GCM envelopes under a
 * per-manager data key (DEK), unlock keys that wrap the DEK for autolock, and
 * the checks on secret and config data and names. No I/O.
 */
export {
  newDataKey,
  seal,
  open,
  sealText,
  openText,
  KEY_BYTES,
  SEALED_VERSION,
  SEALED_OVERHEAD,
} from './envelope.js';
export {
  newUnlockKey,
  parseUnlockKey,
  wrapDataKey,
  unwrapDataKey,
  UNLOCK_KEY_PREFIX,
  type WrappedKey,
} from './unlock-key.js';
export {
  checkSecretData,
  checkConfigData,
  checkName,
  MAX_SECRET_BYTES,
  MAX_CONFIG_BYTES,
  MAX_NAME_CHARS,
  type SecretType,
  type DataKind,
} from './validate.js';
export { type TlsInfo } from './tls.js';
export { DATA_LOSS_CODE, isDataLoss } from './errors.js';
