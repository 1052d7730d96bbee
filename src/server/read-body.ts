/**
 * Reads a request body that must be inspected, whatever its framing (Node's parser has already
 * undone chunking), up to a cap. Over the cap the request is refused, never forwarded uninspected.
 */
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../http/gateway-error.js';
import type { BodyHold } from './body-budget.js';

/**
 * Read the whole body of `req`, refusing with 413 once it exceeds `limit` bytes, and with 408
 * when it has not all arrived within `timeoutMs` (a slow sender holding memory). A declared
 * Content-Length is declared to `hold` at once, and each piece is taken from it before it is
 * kept; over the budget the read stops with its refusal (429 or 503).
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number, hold: BodyHold): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(bodyTooLarge(limit));
      return;
    }
    if (Number.isSafeInteger(declared) && declared > 0) {
      try {
        hold.declare(declared);
      } catch (err) {
        reject(err);
        return;
      }
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      cleanup();
      reject(bodyTimeout(timeoutMs));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(bodyTooLarge(limit));
        return;
      }
      try {
        hold.take(chunk.length);
      } catch (err) {
        cleanup();
        reject(err);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onAborted = (): void => onError(new Error('client aborted the request body'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** Why a request whose connection closed before its body was complete was not answered. */
export const TRUNCATED_BODY = 'dockgate: connection closed before the request body was complete';

/** The refusal of a body that did not arrive in time (the connection is then closed). */
export function bodyTimeout(timeoutMs: number): GatewayError {
  return new GatewayError('body-timeout', `dockgate: the request body did not arrive within ${timeoutMs} ms`);
}

/** The refusal of a body over the `limit`-byte inspection limit, on the request and the upgrade paths alike. */
export function bodyTooLarge(limit: number): GatewayError {
  return new GatewayError('body-too-large', `dockgate: request body exceeds the ${limit}-byte inspection limit`, 'body-too-large');
}
