/**
 * The answer to a request denied on the request path: by the policy (from its headers, before its
 * body is read, or after), by a guard once the daemon's networks are looked up, or by tenancy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendDockerError, type ExtraHeaders } from '../http/docker-error.js';
import { drainRefusedBody } from '../http/drain-refused-body.js';
import type { Exchange } from './exchange.js';

/**
 * Deny `req` with Docker's error shape (`status` and `message`, `extra` headers): the exchange's
 * answer begun now, and the rest of the body discarded within bounds (drain-refused-body.ts), so
 * that a client still writing it reads the denial rather than a reset.
 */
export function sendDenial(exchange: Pick<Exchange, 'headersSent'>, req: IncomingMessage, res: ServerResponse, status: number, message: string, extra: ExtraHeaders = {}): void {
  exchange.headersSent();
  drainRefusedBody(req);
  sendDockerError(res, status, message, extra);
}
