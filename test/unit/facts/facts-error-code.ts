/** The code of the FactsError a piece of the facts stage throws, for tables of refusals. */
import { FactsError } from '../../../src/facts/errors.js';

/** The FactsError code `fn` throws, or undefined when it returns; any other error is thrown on. */
export function factsErrorCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof FactsError) return err.code;
    throw err;
  }
}
