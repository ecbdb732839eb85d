import { FirebreakError } from '../../src/errors.ts';

/**
 * The FirebreakError a promise rejects with. Fails the test when the promise resolves, and
 * rethrows anything that is not a FirebreakError (a crash is not the error under test).
 */
export async function rejection(promise: Promise<unknown>): Promise<FirebreakError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FirebreakError) return err;
    throw err;
  }
  throw new Error('expected the call to fail with a FirebreakError');
}
