/** announcesBody: a request head announces a body only with Content-Length or Transfer-Encoding. */
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { announcesBody } from '../../../src/http/announced-body.js';

describe('announcesBody', () => {
  it.each<[string, IncomingHttpHeaders, boolean]>([
    ['no framing headers (a GET)', { host: 'x' }, false],
    ['Content-Length', { 'content-length': '12' }, true],
    ['Content-Length: 0', { 'content-length': '0' }, true],
    ['Transfer-Encoding: chunked', { 'transfer-encoding': 'chunked' }, true],
    ['both', { 'content-length': '3', 'transfer-encoding': 'chunked' }, true],
  ])('%s', (_name, headers, expected) => {
    expect(announcesBody(headers)).toBe(expected);
  });
});
