import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { unsupportedTransferEncoding } from '../../../src/http/transfer-encoding.js';

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
});
