/**
 * Classifies TLS handshake failures into a bounded set of reasons for metrics and logs.
 */
import type { HandshakeFailure } from '../core/observer.js';
import { CRL_LISTENERS, type CrlListener } from './crl-listeners.js';

/** Map an OpenSSL/Node handshake error to a reason. */
export function classifyHandshakeError(err: Error & { code?: string; reason?: string }): HandshakeFailure {
  const text = `${err.code ?? ''} ${err.reason ?? ''} ${err.message}`.toLowerCase();
  // An alert the client sent: it refused the gateway (its certificate, e.g. `tlsv1 alert unknown
  // ca` from a client whose CA bundle does not hold the gateway's CA), not the other way round.
  if (/^err_ssl_(sslv3|tlsv1|tlsv13)_alert_/.test(text) || text.includes('ssl alert number')) return 'client-alert';
  if (text.includes('did_not_return_a_certificate') || text.includes('peer did not return a certificate')) return 'no-certificate';
  if (text.includes('revoked')) return 'revoked';
  if (text.includes('expired') || text.includes('not yet valid')) return 'expired';
  if (text.includes('unsupported certificate purpose') || text.includes('unsupported_certificate_purpose')) return 'bad-usage';
  if (text.includes('unknown ca') || text.includes('unable to get') || text.includes('self signed') || text.includes('self-signed') || text.includes('certificate verify failed') || text.includes('certificate_verify_failed')) return 'unknown-ca';
  if (text.includes('version') || text.includes('protocol') || text.includes('wrong_version') || text.includes('http_request') || text.includes('no shared cipher')) return 'protocol';
  return 'other';
}

/**
 * The log detail of a `client-alert`: the alert the client sent (`err.reason`, e.g. `tlsv1
 * alert unknown ca`) and what usually causes it, instead of OpenSSL's whole error string.
 */
export function clientAlertDetail(err: Error & { reason?: string }): string {
  const alert = err.reason ?? err.message.trim();
  const number = /ssl alert number (\d+)/i.exec(err.message)?.[1];
  return `the client ended the handshake with an alert: ${alert}${number ? ` (alert ${number})` : ''}; it did not accept the gateway's certificate (its CA bundle lacks the gateway's CA, or the certificate does not name the address it connected to) or the handshake's parameters`;
}

/**
 * OpenSSL verify codes (as Node names them) of problems with the gateway's own CRL: every
 * client (the admin listener's: every scraper) is refused, and calling that "expired" would
 * send the operator after the client.
 */
const CRL_PROBLEMS = new Set(['UNABLE_TO_GET_CRL', 'CRL_HAS_EXPIRED', 'CRL_NOT_YET_VALID', 'CRL_SIGNATURE_FAILURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE', 'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD']);

/** Verify codes a chain through a certificate that is no CA comes back with (Node 20, OpenSSL 3). */
const NON_CA_CODES = new Set(['UNSPECIFIED', 'UNABLE_TO_GET_CRL', 'INVALID_CA']);

const VERIFY_REASONS: Readonly<Record<string, HandshakeFailure>> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
  CERT_REVOKED: 'revoked',
  INVALID_PURPOSE: 'bad-usage',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-ca',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown-ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown-ca',
  CERT_SIGNATURE_FAILURE: 'unknown-ca',
  CERT_UNTRUSTED: 'unknown-ca',
  CERT_REJECTED: 'unknown-ca',
  INVALID_CA: 'unknown-ca',
  PATH_LENGTH_EXCEEDED: 'unknown-ca',
};

/**
 * Node verifies the client certificate after OpenSSL's handshake and then only reports
 * "socket hang up" to `tlsClientError`; the real reason is the socket's `authorizationError`
 * (an OpenSSL verify code such as CERT_HAS_EXPIRED). Map it to a reason and a log detail.
 * `everyCaHasCrl`: tls.crl holds a CRL of every CA of tls.ca (TlsMaterial.everyCaHasCrl).
 * `listener`: the listener refusing it, so the detail names its files (`tls.crl`, or
 * `admin.tls.crl` on the admin listener: the file at fault, rev-observe F1) and its peers
 * (clients, or scrapers), worded as crl-listeners.ts words them.
 * `chainProblem`: the client's chain goes through a certificate that is no CA
 * (peer-certificate.ts chainProblem), such as a certificate signed with a client's own key.
 * OpenSSL refuses such a chain, and Node reports the code as UNSPECIFIED: with the cause known,
 * the refusal is an unknown CA, and the detail says why.
 */
export function classifyVerifyError(code: string, everyCaHasCrl = false, chainProblem?: string, listener: CrlListener = 'docker'): { reason: HandshakeFailure; detail: string } {
  const { file, caFile, peers } = CRL_LISTENERS[listener];
  if (chainProblem !== undefined && NON_CA_CODES.has(code)) {
    return { reason: 'unknown-ca', detail: `client certificate not verified: ${code} (${chainProblem})` };
  }
  if (code === 'UNABLE_TO_GET_CRL' && everyCaHasCrl) {
    // Then the certificate missing a CRL is none of the bundle's: the peer's chain is not ours.
    return { reason: 'unknown-ca', detail: `client certificate not verified: ${code} (every CA of ${caFile} has its CRL: the ${peers}'s chain goes through a certificate that is no CA of ${caFile}, such as a self-signed one)` };
  }
  if (code === 'UNABLE_TO_GET_CRL') {
    // OpenSSL wants a CRL for every certificate of the chain: also one a peer sends that no CA
    // of the bundle is (a certificate without CA:TRUE used to sign the peer's), and then only
    // that peer is refused.
    return {
      reason: 'other',
      detail: `client certificate not verified: ${code} (${file} holds no CRL of an issuer in this ${peers}'s chain: a CA of ${caFile} without its CRL refuses every ${peers} below it; otherwise the ${peers}'s chain goes through a certificate that is no CA of ${caFile})`,
    };
  }
  if (CRL_PROBLEMS.has(code)) {
    return { reason: 'other', detail: `client certificate not verified: ${code} (a problem with the gateway's ${file}: every ${peers} is refused until it is fixed)` };
  }
  return { reason: VERIFY_REASONS[code] ?? 'other', detail: `client certificate not verified: ${code}` };
}
