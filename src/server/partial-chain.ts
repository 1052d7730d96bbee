/**
 * OpenSSL's partial-chain mode for the Docker API listener (`tls.partialChain`): a CA of the bundle
 * that is not self-signed may end a client's chain.
 */
import type { Server } from 'node:https';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { TlsMaterial } from './tls-material.js';

/**
 * With `tls.partialChain`, replace the server's shared context by one built with OpenSSL's
 * partial-chain mode. Node 20's createSecureContext knows `allowPartialTrustChain`, but neither
 * createServer nor setSecureContext pass it through, so the context the server hands every new
 * connection (`_sharedCreds`) is set here, after each of them.
 */
export function usePartialChain(server: Server, material: TlsMaterial, enabled: boolean): void {
  if (!enabled) return;
  const options = { ...material.options, minVersion: 'TLSv1.2', allowPartialTrustChain: true } as SecureContextOptions;
  (server as Server & { _sharedCreds: SecureContext })._sharedCreds = createSecureContext(options);
}
