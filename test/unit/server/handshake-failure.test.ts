import { describe, expect, it } from 'vitest';
import { classifyHandshakeError, clientAlertDetail } from '../../../src/server/handshake-failure.js';

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
