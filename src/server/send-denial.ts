/**
 * The answer to a request denied on the request path: by the policy (from its headers, before its
 * body is read, or after), by a guard once the daemon's networks are looked up, or by tenancy;
 * and to an upgrade request the policy denied (from its headers or after its body), written raw.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import { sendDockerError, writeRawDockerError, type ExtraHeaders } from '../http/docker-error.js';
import { drainRefusedBody } from '../http/drain-refused-body.js';
import type { Exchange } from './exchange.js';
import type { Gatekeeper } from './gatekeeper.js';

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

/** What an upgrade denial is written on, worded from, and recorded with (sendUpgradeDenial). */
export interface UpgradeDenial {
  /** The denied request's exchange, its decision already recorded: finished here. */
  exchange: Exchange;
  /** The client's connection: the 403 is written raw on it, which is then closed. */
  socket: Duplex;
  /** The gatekeeper that decided: its denyMessage is the 403's message. */
  gatekeeper: Gatekeeper;
  /** Who sent the request (for the message). */
  identity: Identity;
  /** What the request is (for the message). */
  facts: RequestFacts;
  /** The policy's denial (its outcome is recorded). */
  decision: Decision;
  /** Headers added to the 403 (the request id). */
  extra: ExtraHeaders;
  /** The bytes of body read before the denial: 0 when denied from the headers. */
  bytesIn: number;
}

/**
 * Deny an upgrade request the policy denied: 403 with the gatekeeper's message in Docker's error
 * shape, written raw on the socket with the extra headers, which is then closed (docker-error.ts,
 * writeRawDockerError); the exchange finished with the body's bytes read and the bytes written.
 */
export function sendUpgradeDenial(denial: UpgradeDenial): void {
  const { exchange, socket, gatekeeper, identity, facts, decision, extra, bytesIn } = denial;
  exchange.headersSent();
  const bytes = writeRawDockerError(socket, 403, gatekeeper.denyMessage(identity, facts, decision), extra);
  exchange.finish(decision.outcome, 403, bytesIn, bytes);
}
