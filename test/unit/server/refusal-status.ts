/** Test helper: the status of the GatewayError a step throws. */
import { GatewayError } from '../../../src/http/gateway-error.js';

/** The status `fn` is refused with (a GatewayError's), or 0 when it throws nothing. */
export function refusalStatus(fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (err) {
    if (err instanceof GatewayError) return err.status;
    throw err;
  }
}
