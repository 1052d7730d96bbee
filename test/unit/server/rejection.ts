/** The error a promise rejects with, for tests of refusals. */
import type { GatewayError } from '../../../src/http/gateway-error.js';

/** What `p` rejects with, taken as a GatewayError; throws when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    return err as GatewayError;
  }
  throw new Error('resolved');
}
