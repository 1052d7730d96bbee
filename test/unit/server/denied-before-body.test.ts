/**
 * When a request (or an upgrade) is first checked for a denial from its headers alone, before its
 * body is read: under body-budget pressure, waiting for a `100 Continue`, or with a body over
 * 64 KiB or of undeclared length. Both paths ask the same function (denied-before-body.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { decidedFromTheHeadersFirst, largeBody } from '../../../src/server/denied-before-body.js';

describe('decidedFromTheHeadersFirst', () => {
  it.each<[string, IncomingHttpHeaders, boolean, boolean, boolean]>([
    ['a small body, no pressure, no 100 awaited', { 'content-length': '10' }, false, false, false],
    ['no body at all', {}, false, false, false],
    ['a body of exactly 64 KiB', { 'content-length': String(64 * 1024) }, false, false, false],
    ['a body of 64 KiB and one byte', { 'content-length': String(64 * 1024 + 1) }, false, false, true],
    ['a chunked body (undeclared length)', { 'transfer-encoding': 'chunked' }, false, false, true],
    ['a Content-Length that is no number', { 'content-length': 'x' }, false, false, true],
    ['under budget pressure', { 'content-length': '10' }, true, false, true],
    ['waiting for a 100 Continue', { 'content-length': '10' }, false, true, true],
    ['an upgrade waiting for its 100, with no pressure and a small body', { 'content-length': '4', upgrade: 'tcp', connection: 'Upgrade' }, false, true, true],
  ])('%s -> %s', (_label, headers, underPressure, awaitsContinue, want) => {
    expect(decidedFromTheHeadersFirst({ headers }, underPressure, awaitsContinue)).toBe(want);
  });

  it.each<[IncomingHttpHeaders, boolean]>([
    [{ 'content-length': '65536' }, false],
    [{ 'content-length': '65537' }, true],
    [{ 'transfer-encoding': 'chunked', 'content-length': '1' }, true],
  ])('largeBody(%j) -> %s', (headers, want) => {
    expect(largeBody({ headers })).toBe(want);
  });
});
