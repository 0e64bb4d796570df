import { SwarmletError, type ErrorCode } from '@swarmlet/api-types';

/**
 * The code thrown when stored ciphertext cannot be opened (wrong key, tampering, truncation).
 * The catalogue has no `DATA_LOSS`; `INTERNAL` is what packages/store uses for a corrupt WAL, so
 * this package uses it too and marks the error with `details.dataLoss`. One constant to change if
 * `DATA_LOSS` is ever added to @swarmlet/api-types.
 */
export const DATA_LOSS_CODE: ErrorCode = 'INTERNAL';

/** A DATA_LOSS_CODE error. The message never contains key material or plaintext. */
export function dataLoss(message: string, cause?: unknown): SwarmletError {
  return new SwarmletError(DATA_LOSS_CODE, message, {
    details: { dataLoss: true },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** True when err is an error from `dataLoss` (a crypto open that failed). */
export function isDataLoss(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === 'SwarmletError' &&
    (err as SwarmletError).code === DATA_LOSS_CODE &&
    (err as SwarmletError).details?.['dataLoss'] === true
  );
}
