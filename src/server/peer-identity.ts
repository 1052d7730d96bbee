/**
 * Identity per TLS connection: computed once when the handshake completes, looked up per request.
 */
import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Identity } from '../core/types.js';
import { identityFromParsed, type ParsedCertificate } from '../identity/identity.js';

const identities = new WeakMap<Socket, Identity>();

/**
 * Derive and remember the identity of a freshly verified connection, from its certificate as
 * `getPeerCertificate` gives it (read here unless the caller has it already).
 * Throws IdentityError when the certificate cannot name a caller.
 */
export function bindIdentity(socket: TLSSocket, peer: PeerCertificate = socket.getPeerCertificate()): Identity {
  if (!peer || !peer.raw) throw new Error('no client certificate on a verified connection');
  const identity = identityFromParsed(peer as unknown as ParsedCertificate);
  identities.set(socket, identity);
  return identity;
}

/** The identity bound to a connection, or undefined (never for a verified connection). */
export function identityOf(socket: Socket): Identity | undefined {
  return identities.get(socket);
}
