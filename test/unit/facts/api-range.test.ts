import { describe, expect, it } from 'vitest';
import { apiRangeOf, jsonErrorsAt, versionRefusal, type ApiRange } from '../../../src/facts/api-range.js';
import { versionErrorAnswer } from '../../../src/http/version-error.js';

const D2010: ApiRange = { min: '1.12', max: '1.41' };
const OLD = (v: string) => `client version ${v} is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version`;
const NEW = (v: string) => `client version ${v} is too new. Maximum supported API version is 1.41`;

describe('versionRefusal (dockerd 20.10 version middleware, versions.LessThan/GreaterThan)', () => {
  it.each([
    [undefined, undefined],
    ['1.41', undefined],
    ['1.12', undefined],
    ['1.24', undefined],
    ['1.041', undefined],
    ['01.41', undefined],
    ['1.41.0', undefined],
    ['1.40.9', undefined],
    ['1.012', undefined],
    ['1.99', NEW('1.99')],
    ['1.42', NEW('1.42')],
    ['1.41.1', NEW('1.41.1')],
    ['2', NEW('2')],
    ['1.11', OLD('1.11')],
    ['1.4', OLD('1.4')],
    ['1', OLD('1')],
    ['.', OLD('.')],
    ['1.', OLD('1.')],
    ['1..41', OLD('1..41')],
  ])('%s -> %s', (version, want) => {
    expect(versionRefusal(version, D2010)).toBe(want);
  });

  it('reads the range the daemon gave, not 20.10s', () => {
    expect(versionRefusal('1.23', { min: '1.24', max: '1.47' })).toBe('client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version');
    expect(versionRefusal('1.47', { min: '1.24', max: '1.47' })).toBeUndefined();
  });
});

describe('jsonErrorsAt (httputils.MakeErrorHandler: JSON above 1.23)', () => {
  it.each([
    [undefined, true],
    ['1.24', true],
    ['1.99', true],
    ['1.23', false],
    ['1.023', false],
    ['1.11', false],
    ['.', false],
  ])('%s -> %s', (version, want) => {
    expect(jsonErrorsAt(version)).toBe(want);
  });
});

describe('apiRangeOf (GET /version)', () => {
  it.each([
    [{ ApiVersion: '1.41', MinAPIVersion: '1.12', Version: '20.10.24+dfsg1', Os: 'linux' }, { min: '1.12', max: '1.41' }],
    [{ ApiVersion: '1.41', MinAPIVersion: '1.12' }, { min: '1.12', max: '1.41' }],
    [{ ApiVersion: '1.41' }, undefined],
    [{ ApiVersion: 1.41, MinAPIVersion: '1.12' }, undefined],
    [{ ApiVersion: '1.41 ', MinAPIVersion: '1.12' }, undefined],
    [{ ApiVersion: '', MinAPIVersion: '1.12' }, undefined],
    [null, undefined],
    ['1.41', undefined],
  ])('%j -> %j', (json, want) => {
    expect(apiRangeOf(json)).toEqual(want);
  });
});

describe('versionErrorAnswer (as the socket answers)', () => {
  const range: ApiRange = { min: '1.12', max: '1.41' };
  it('JSON above 1.23', () => {
    const a = versionErrorAnswer('1.99', NEW('1.99'), range);
    expect(a.status).toBe(400);
    expect(a.body.toString()).toBe(`{"message":"${NEW('1.99')}"}\n`);
    // Not Ostype and Server: the answer comes before the policy (rev-fix-ver V2).
    expect(a.headers).toEqual({ 'Api-Version': '1.41', 'Content-Type': 'application/json', 'Content-Length': '84' });
  });
  it('plain text at 1.23 and below', () => {
    const a = versionErrorAnswer('1.11', OLD('1.11'), { min: '1.12', max: '1.41' });
    expect(a.body.toString()).toBe(`${OLD('1.11')}\n`);
    expect(a.headers).toEqual({ 'Api-Version': '1.41', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': '117' });
  });
});
