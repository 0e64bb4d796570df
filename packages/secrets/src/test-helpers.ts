/** Test helpers shared by this package's tests (not exported from the package). */
import { isSwarmletError, type ErrorCode } from '@swarmlet/api-types';

/** The code and message of the SwarmletError fn throws; fails the test when it does not throw. */
export function errorOf(fn: () => unknown): { code: ErrorCode; message: string } {
  try {
    fn();
  } catch (e) {
    if (isSwarmletError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a SwarmletError, but nothing was thrown');
}
