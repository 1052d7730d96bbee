/**
 * Classifies TLS handshake failures into a bounded set of reasons for metrics and logs.
 */
import type { HandshakeFailure } from '../core/observer.js';

/** Map an OpenSSL/Node handshake error to a reason. */
export function classifyHandshakeError(err: Error & { code?: string; reason?: string }): HandshakeFailure {
  const text = `${err.code ?? ''} ${err.reason ?? ''} ${err.message}`.toLowerCase();
  if (text.includes('did_not_return_a_certificate') || text.includes('peer did not return a certificate')) return 'no-certificate';
  if (text.includes('revoked')) return 'revoked';
  if (text.includes('expired') || text.includes('not yet valid')) return 'expired';
  if (text.includes('unsupported certificate purpose') || text.includes('unsupported_certificate_purpose')) return 'bad-usage';
  if (text.includes('unknown ca') || text.includes('unable to get') || text.includes('self signed') || text.includes('self-signed') || text.includes('certificate verify failed') || text.includes('certificate_verify_failed')) return 'unknown-ca';
  if (text.includes('version') || text.includes('protocol') || text.includes('wrong_version') || text.includes('http_request') || text.includes('no shared cipher') || text.includes('ecconnreset')) return 'protocol';
  return 'other';
}
