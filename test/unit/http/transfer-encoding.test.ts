import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { http10TransferEncoding, transferEncodingRefusal, unsupportedTransferEncoding } from '../../../src/http/transfer-encoding.js';

describe('unsupportedTransferEncoding (Go accepts exactly "chunked")', () => {
  const cases: Array<[IncomingHttpHeaders, boolean]> = [
    [{}, false],
    [{ 'content-length': '3' }, false],
    [{ 'transfer-encoding': 'chunked' }, false],
    [{ 'transfer-encoding': 'Chunked' }, false],
    [{ 'transfer-encoding': 'CHUNKED' }, false],
    [{ 'transfer-encoding': ' chunked ' }, false],
    [{ 'transfer-encoding': 'gzip, chunked' }, true],
    [{ 'transfer-encoding': 'chunked, chunked' }, true],
    [{ 'transfer-encoding': 'identity' }, true],
    [{ 'transfer-encoding': 'chunked;x=1' }, true],
    [{ 'transfer-encoding': 'chun\u212Aed' }, true], // Kelvin sign: not ASCII case folding
    [{ 'transfer-encoding': '' }, true],
  ];
  it.each(cases)('%j -> %s', (headers, want) => {
    expect(unsupportedTransferEncoding(headers)).toBe(want);
  });

  // The refusal both paths make of it (handle-request.ts, handle-upgrade.ts), naming the method.
  it.each(cases)('transferEncodingRefusal(%j): a refusal when %s', (headers, want) => {
    const refusal = transferEncodingRefusal(headers, 'DELETE');
    expect(refusal && [refusal.code, refusal.status, refusal.reasonCode, refusal.message]).toEqual(
      want ? ['malformed', 400, 'body-framing', 'dockgate: refused DELETE request: Transfer-Encoding must be exactly "chunked" (dockerd takes no other)'] : undefined,
    );
  });
});

describe('http10TransferEncoding (Go ignores Transfer-Encoding on HTTP/1.0 and reads no body)', () => {
  const cases: Array<[number, number, IncomingHttpHeaders, boolean]> = [
    [1, 0, {}, false],
    [1, 0, { 'content-length': '3' }, false],
    [1, 0, { 'transfer-encoding': 'chunked' }, true],
    [1, 0, { 'transfer-encoding': 'gzip, chunked' }, true],
    [1, 0, { 'transfer-encoding': 'identity' }, true],
    [1, 1, { 'transfer-encoding': 'chunked' }, false],
    [1, 1, { 'transfer-encoding': 'gzip, chunked' }, false], // unsupportedTransferEncoding's
    [1, 1, {}, false],
  ];
  it.each(cases)('HTTP/%d.%d %j -> %s', (major, minor, headers, want) => {
    const refusal = http10TransferEncoding({ httpVersionMajor: major, httpVersionMinor: minor, headers }, 'POST');
    expect(refusal !== undefined).toBe(want);
    if (refusal) expect({ code: refusal.code, status: refusal.status, reasonCode: refusal.reasonCode }).toEqual({ code: 'http10-body', status: 400, reasonCode: 'body-framing' });
  });
});
