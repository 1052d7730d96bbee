/**
 * upgradeBodyLength(): an upgrade request's body is framed by its Content-Length only; any
 * Transfer-Encoding is refused `body-framing` from the headers (one other than `chunked` with the
 * request path's own refusal and message), and a length that is not all digits too.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/http/gateway-error.js';
import { transferEncodingRefusal } from '../../../src/http/transfer-encoding.js';
import { upgradeBodyLength } from '../../../src/http/upgrade-body-length.js';

const NOT_CHUNKED = 'dockgate: refused POST request: Transfer-Encoding must be exactly "chunked" (dockerd takes no other)';
const CHUNKED = 'dockgate: refused POST request: a body on a connection upgrade is forwarded only with a Content-Length, not chunked';
const BAD_LENGTH = 'dockgate: refused POST request: invalid Content-Length';

describe('upgradeBodyLength', () => {
  it.each<[string, IncomingHttpHeaders, number]>([
    ['no framing header: no body', {}, 0],
    ['Content-Length 0', { 'content-length': '0' }, 0],
    ['Content-Length 4', { 'content-length': '4' }, 4],
    ['leading zeros (Go reads them too)', { 'content-length': '007' }, 7],
    ['past 2^53: rounded, over any limit (readUpgradeBody refuses it 413)', { 'content-length': '9007199254740993' }, 9007199254740992],
    ['past every double: Infinity', { 'content-length': '9'.repeat(400) }, Infinity],
  ])('%s', (_label, headers, length) => {
    expect(upgradeBodyLength('POST', headers)).toBe(length);
  });

  it.each<[string, IncomingHttpHeaders, string]>([
    ['chunked (dockerd takes it)', { 'transfer-encoding': 'chunked' }, CHUNKED],
    ['Chunked, in another case', { 'transfer-encoding': 'Chunked' }, CHUNKED],
    ['gzip, chunked (dockerd: 501)', { 'transfer-encoding': 'gzip, chunked' }, NOT_CHUNKED],
    ['identity (dockerd: 501)', { 'transfer-encoding': 'identity' }, NOT_CHUNKED],
    ['an empty Transfer-Encoding', { 'transfer-encoding': '' }, NOT_CHUNKED],
    ['a Transfer-Encoding beside a Content-Length', { 'transfer-encoding': 'identity', 'content-length': '1' }, NOT_CHUNKED],
    ['a negative length', { 'content-length': '-1' }, BAD_LENGTH],
    ['a signed length', { 'content-length': '+1' }, BAD_LENGTH],
    ['a fraction', { 'content-length': '1.5' }, BAD_LENGTH],
    ['an exponent', { 'content-length': '1e1' }, BAD_LENGTH],
    ['hex', { 'content-length': '0x1' }, BAD_LENGTH],
    ['empty', { 'content-length': '' }, BAD_LENGTH],
    ['spaces', { 'content-length': ' 1' }, BAD_LENGTH],
  ])('%s: 400 body-framing', (_label, headers, message) => {
    const refusal = upgradeBodyLength('POST', headers);
    expect(refusal).toBeInstanceOf(GatewayError);
    const err = refusal as GatewayError;
    expect([err.code, err.status, err.reasonCode, err.message]).toEqual(['malformed', 400, 'body-framing', message]);
  });

  it('a Transfer-Encoding other than chunked gets the request path\'s refusal, word for word', () => {
    const headers = { 'transfer-encoding': 'gzip, chunked' };
    const onUpgrade = upgradeBodyLength('POST', headers) as GatewayError;
    const onRequest = transferEncodingRefusal(headers, 'POST') as GatewayError;
    expect([onUpgrade.code, onUpgrade.reasonCode, onUpgrade.message]).toEqual([onRequest.code, onRequest.reasonCode, onRequest.message]);
  });
});
