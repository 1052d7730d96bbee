import { describe, expect, it } from 'vitest';
import type { HandshakeFailure } from '../../../src/core/observer.js';
import { classifyHandshakeError, classifyVerifyError, clientAlertDetail } from '../../../src/server/handshake-failure.js';

/** An error as Node's TLS server reports it to `tlsClientError` (code, reason, OpenSSL's message). */
function tlsError(code: string, reason: string, message = `80DC6F56FA7F0000:error:0A000000:SSL routines::${reason}:../deps/openssl/openssl/ssl/statem/statem_srvr.c:1:\n`): Error & { code: string; reason: string } {
  return Object.assign(new Error(message), { code, reason });
}

/** OpenSSL's message for an alert the peer sent (as captured from curl, openssl s_client and the docker CLIs). */
function alertMessage(reason: string, number: number): string {
  return `80DC6F56FA7F0000:error:0A000418:SSL routines:ssl3_read_bytes:${reason}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number ${number}\n`;
}

describe('classifyHandshakeError', () => {
  it.each([
    // Alerts the client sent: it refused the gateway, not the other way round (not counted per source).
    ['curl / docker-py / openssl without the gateway\'s CA', 'client-alert', tlsError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', alertMessage('tlsv1 alert unknown ca', 48))],
    ['the docker CLI (Go) without the gateway\'s CA', 'client-alert', tlsError('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'sslv3 alert bad certificate', alertMessage('sslv3 alert bad certificate', 42))],
    ['a client refusing the certificate\'s name', 'client-alert', tlsError('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'sslv3 alert certificate unknown', alertMessage('sslv3 alert certificate unknown', 46))],
    ['an alert named only by its code (no alert number in the message)', 'client-alert', tlsError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca')],
    ['an alert named only in the message', 'client-alert', Object.assign(new Error(alertMessage('tlsv1 alert decrypt error', 51)), { code: undefined })],
    // What the gateway itself refused.
    ['no client certificate', 'no-certificate', tlsError('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', 'peer did not return a certificate')],
    ['plain HTTP', 'protocol', tlsError('ERR_SSL_HTTP_REQUEST', 'http request')],
    ['an old TLS version', 'protocol', tlsError('ERR_SSL_UNSUPPORTED_PROTOCOL', 'unsupported protocol')],
    ['not TLS at all', 'protocol', tlsError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number')],
    ['no cipher in common', 'protocol', tlsError('ERR_SSL_NO_SHARED_CIPHER', 'no shared cipher')],
    ['the client gone mid-handshake', 'other', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('%s -> %s', (_label, reason, err) => {
    expect(classifyHandshakeError(err)).toBe(reason);
  });

  it('a client alert\'s detail names the alert and its number, not OpenSSL\'s whole string', () => {
    const detail = clientAlertDetail(tlsError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', alertMessage('tlsv1 alert unknown ca', 48)));
    expect(detail).toContain('tlsv1 alert unknown ca (alert 48)');
    expect(detail).toContain('did not accept the gateway\'s certificate');
    expect(detail).not.toContain('rec_layer_s3.c');
  });
});

/** An error as Node 20's TLS server reports an OpenSSL failure (code, reason, message). */
function openssl(code: string, reason: string, where: string): Error & { code: string; reason: string } {
  return Object.assign(new Error(`803CE29A0F7F0000:error:0A000000:SSL routines:${where}:${reason}:../deps/openssl/openssl/ssl/statem/statem_srvr.c:1:\n`), { code, reason });
}

describe('classifyHandshakeError: what the gateway refused itself', () => {
  it.each<[string, Error & { code?: string; reason?: string }, HandshakeFailure]>([
    // Captured from Node 20.20's tls server (requestCert, rejectUnauthorized).
    ['no client certificate', openssl('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', 'peer did not return a certificate', 'tls_process_client_certificate'), 'no-certificate'],
    ['a TLS 1.1 client', openssl('ERR_SSL_UNSUPPORTED_PROTOCOL', 'unsupported protocol', 'tls_early_post_process_client_hello'), 'protocol'],
    ['no shared cipher', openssl('ERR_SSL_NO_SHARED_CIPHER', 'no shared cipher', 'tls_post_process_client_hello'), 'protocol'],
    ['plain HTTP to the TLS port', openssl('ERR_SSL_HTTP_REQUEST', 'http request', 'ssl3_get_record'), 'protocol'],
    ['a wrong record version', openssl('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number', 'ssl3_get_record'), 'protocol'],
    ['the client went mid-handshake', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'other'],
    // OpenSSL verify failures the gateway made itself, by their text (alerts the client sent are client-alert).
    ['a revoked certificate', new Error('certificate revoked'), 'revoked'],
    ['an expired certificate', new Error('certificate has expired'), 'expired'],
    ['a certificate not yet valid', new Error('certificate is not yet valid'), 'expired'],
    ['an unknown CA', new Error('unable to get local issuer certificate'), 'unknown-ca'],
    ['an unknown CA, as named', new Error('unknown ca'), 'unknown-ca'],
    ['a self-signed certificate', new Error('self-signed certificate'), 'unknown-ca'],
    ['a failed verification', openssl('ERR_SSL_CERTIFICATE_VERIFY_FAILED', 'certificate verify failed', 'tls_process_client_certificate'), 'unknown-ca'],
    ['an unsupported purpose', new Error('unsupported certificate purpose'), 'bad-usage'],
    // 'revoked' is looked for before 'expired': the more precise reason wins.
    ['a message naming both', new Error('certificate revoked (and expired)'), 'revoked'],
  ])('%s', (_label, err, reason) => {
    expect(classifyHandshakeError(err)).toBe(reason);
  });
});

describe('classifyVerifyError: every verify code the gateway names', () => {
  it.each([
    ['UNABLE_TO_GET_ISSUER_CERT', 'unknown-ca'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'unknown-ca'],
    ['CERT_SIGNATURE_FAILURE', 'unknown-ca'],
    ['CERT_UNTRUSTED', 'unknown-ca'],
    ['CERT_REJECTED', 'unknown-ca'],
    ['INVALID_CA', 'unknown-ca'],
    ['PATH_LENGTH_EXCEEDED', 'unknown-ca'],
    ['CRL_NOT_YET_VALID', 'other'],
    ['CRL_SIGNATURE_FAILURE', 'other'],
    ['UNABLE_TO_DECRYPT_CRL_SIGNATURE', 'other'],
    ['ERROR_IN_CRL_LAST_UPDATE_FIELD', 'other'],
    ['ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'other'],
  ])('%s -> %s', (code, reason) => {
    expect(classifyVerifyError(code).reason).toBe(reason);
  });

  // Each listener's words (crl-listeners.ts): the Docker listener's clients and tls.*, the admin
  // listener's scrapers and admin.tls.* (rev-observe F1). The Docker rows are the lines as they
  // were before the admin listener had words of its own.
  it.each([
    ['docker', 'CRL_HAS_EXPIRED', false, "client certificate not verified: CRL_HAS_EXPIRED (a problem with the gateway's tls.crl: every client is refused until it is fixed)"],
    ['docker', 'UNABLE_TO_GET_CRL', false, "client certificate not verified: UNABLE_TO_GET_CRL (tls.crl holds no CRL of an issuer in this client's chain: a CA of tls.ca without its CRL refuses every client below it; otherwise the client's chain goes through a certificate that is no CA of tls.ca)"],
    ['docker', 'UNABLE_TO_GET_CRL', true, "client certificate not verified: UNABLE_TO_GET_CRL (every CA of tls.ca has its CRL: the client's chain goes through a certificate that is no CA of tls.ca, such as a self-signed one)"],
    ['admin', 'CRL_HAS_EXPIRED', false, "client certificate not verified: CRL_HAS_EXPIRED (a problem with the gateway's admin.tls.crl: every scraper is refused until it is fixed)"],
    ['admin', 'CRL_NOT_YET_VALID', false, "client certificate not verified: CRL_NOT_YET_VALID (a problem with the gateway's admin.tls.crl: every scraper is refused until it is fixed)"],
    ['admin', 'UNABLE_TO_GET_CRL', false, "client certificate not verified: UNABLE_TO_GET_CRL (admin.tls.crl holds no CRL of an issuer in this scraper's chain: a CA of admin.tls.ca without its CRL refuses every scraper below it; otherwise the scraper's chain goes through a certificate that is no CA of admin.tls.ca)"],
    ['admin', 'UNABLE_TO_GET_CRL', true, "client certificate not verified: UNABLE_TO_GET_CRL (every CA of admin.tls.ca has its CRL: the scraper's chain goes through a certificate that is no CA of admin.tls.ca, such as a self-signed one)"],
  ] as const)('on the %s listener, %s (every CA with its CRL: %s) is worded for its files and peers', (listener, code, everyCaHasCrl, detail) => {
    expect(classifyVerifyError(code, everyCaHasCrl, undefined, listener).detail).toBe(detail);
  });

  it('a problem with the gateway\'s CRL is blamed on the CRL, whichever it is', () => {
    for (const code of ['CRL_NOT_YET_VALID', 'CRL_SIGNATURE_FAILURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE', 'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD']) {
      expect(classifyVerifyError(code).detail).toContain("a problem with the gateway's tls.crl");
    }
  });
});
