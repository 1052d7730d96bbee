/**
 * Splits the body of an upgrade request from the raw bytes that follow it. Node hands an
 * upgrade request's body to us unparsed (in `head` and on the socket), so the gateway frames it
 * itself, by its Content-Length (upgrade-body-length.ts refuses any other framing from the
 * headers), capped and timed like any inspected body.
 */
import type { Duplex } from 'node:stream';
import { GatewayError } from '../http/gateway-error.js';
import type { BodyHold } from './body-budget.js';
import { bodyTimeout, bodyTooLarge, TRUNCATED_BODY } from './read-body.js';

/** The request body and whatever the client already sent after it. */
export interface UpgradeBody {
  body: Buffer;
  rest: Buffer;
}

/**
 * Read the `length`-byte body of an upgrade request (its Content-Length: upgrade-body-length.ts)
 * from `head` and, if needed, the socket, within `timeoutMs`, declaring its length to `hold` and
 * taking its bytes as they arrive. `beforeReading` is called once the body is accepted (limit,
 * budget), before it is read: the moment Go sends an awaited `100 Continue` (its handler's first
 * read of the body).
 */
export function readUpgradeBody(length: number, head: Buffer, socket: Duplex, limit: number, timeoutMs: number, hold: BodyHold, beforeReading?: () => void): Promise<UpgradeBody> {
  // Over the limit (a length past 2^53 too, rounded or Infinity), as readBody refuses it on the request path.
  if (!(length <= limit)) {
    return Promise.reject(bodyTooLarge(limit));
  }
  try {
    // The declared length against the identity's share, then what has arrived (see body-budget.ts).
    hold.declare(length);
    hold.take(Math.min(head.length, length));
  } catch (err) {
    return Promise.reject(err);
  }
  // The body is accepted: a client waiting for a `100 Continue` is sent it now, also when the
  // body came with the head anyway (dockerd sends it then too: Go writes it on the first read).
  beforeReading?.();
  if (head.length >= length) return Promise.resolve({ body: head.subarray(0, length), rest: head.subarray(length) });
  return new Promise((resolve, reject) => {
    // Joined once at the end: joining per chunk costs time quadratic in the body's size.
    const chunks: Buffer[] = [head];
    let size = head.length;
    const onData = (chunk: Buffer): void => {
      try {
        // Only the body's bytes: what follows it is the tunnel's.
        hold.take(Math.max(0, Math.min(size + chunk.length, length) - size));
      } catch (err) {
        cleanup();
        reject(err);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size >= length) {
        cleanup();
        socket.pause();
        const buffered = Buffer.concat(chunks, size);
        resolve({ body: buffered.subarray(0, length), rest: buffered.subarray(length) });
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new GatewayError('malformed', TRUNCATED_BODY, 'truncated-body'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(bodyTimeout(timeoutMs));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
    // A socket the gateway destroys (revocation, shutdown) emits only 'close'.
    socket.on('close', onEnd);
    socket.resume();
  });
}
