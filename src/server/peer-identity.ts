/**
 * Identity per TLS connection: computed once when the handshake completes, looked up per request.
 */
import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { BoundedMap } from '../core/bounded-map.js';
import type { Identity } from '../core/types.js';
import { identityFromParsed, type ParsedCertificate } from '../identity/identity.js';

const identities = new WeakMap<Socket, Identity>();

/**
 * Identities of certificates seen in earlier handshakes, by SHA-256 fingerprint: an identity is a
 * function of the certificate's DER alone (its names re-read from the DER were about a tenth of
 * the gateway's CPU per new connection), and each `docker` command is a new connection of one of
 * a few certificates. Shared between connections, so frozen; a refused certificate is not kept.
 */
const seen = new BoundedMap<string, Identity>(4096);

function frozen(identity: Identity): Identity {
  Object.freeze(identity.groups);
  Object.freeze(identity.organizations);
  for (const list of Object.values(identity.sans)) Object.freeze(list);
  Object.freeze(identity.sans);
  return Object.freeze(identity);
}

/**
 * Derive and remember the identity of a freshly verified connection, from its certificate as
 * `getPeerCertificate` gives it (read here unless the caller has it already).
 * Throws IdentityError when the certificate cannot name a caller.
 */
export function bindIdentity(socket: TLSSocket, peer: PeerCertificate = socket.getPeerCertificate()): Identity {
  if (!peer || !peer.raw) throw new Error('no client certificate on a verified connection');
  const identity = seen.get(peer.fingerprint256) ?? seen.set(peer.fingerprint256, frozen(identityFromParsed(peer as unknown as ParsedCertificate)));
  identities.set(socket, identity);
  return identity;
}

/** The identity bound to a connection, or undefined (never for a verified connection). */
export function identityOf(socket: Socket): Identity | undefined {
  return identities.get(socket);
}
