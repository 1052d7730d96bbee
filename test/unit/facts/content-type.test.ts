import { describe, expect, it } from 'vitest';
import { bodyMediaKind, parseMediaType } from '../../../src/facts/content-type.js';
import { FactsError } from '../../../src/facts/errors.js';

describe('parseMediaType (mime.ParseMediaType, strict)', () => {
  const ok: Array<[string, string, Record<string, string>]> = [
    ['application/json', 'application/json', {}],
    ['APPLICATION/JSON', 'application/json', {}],
    ['  application/json  ', 'application/json', {}],
    ['application/json; charset=utf-8', 'application/json', { charset: 'utf-8' }],
    ['application/json;charset="utf-8"', 'application/json', { charset: 'utf-8' }],
    ['application/json ; Charset = UTF-8 ;', 'application/json', { charset: 'UTF-8' }],
    ['text/plain; a="x\\"y"; b=z', 'text/plain', { a: 'x"y', b: 'z' }],
    ['application', 'application', {}],
  ];
  it.each(ok)('%j', (value, type, params) => {
    const parsed = parseMediaType(value);
    expect(parsed?.type).toBe(type);
    expect({ ...parsed?.params }).toEqual(params);
  });

  const bad = ['', 'application/', '/json', 'application/json/x', 'a b/json', 'application/json; charset', 'application/json; a=1; a=1', 'application/json; a="x', 'application/json; a*=x', 'application/jsön'];
  it.each(bad)('refuses %j', (value) => {
    expect(parseMediaType(value)).toBeUndefined();
  });
});

describe('bodyMediaKind', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'none'],
    ['', 'none'],
    ['application/json', 'json'],
    ['Application/Json; charset=utf-8', 'json'],
    ['application/x-www-form-urlencoded', 'form'],
    ['APPLICATION/X-WWW-FORM-URLENCODED; charset=UTF-8', 'form'],
    ['application/x-tar', 'other'],
    ['text/plain', 'other'],
    ['application/json; charset', 'invalid'],
    ['application/x-tar; x', 'invalid'],
  ];
  it.each(cases)('%j -> %s', (value, kind) => {
    expect(bodyMediaKind(value)).toBe(kind);
  });

  const refused = [
    'multipart/form-data; boundary=x',
    'Multipart/Form-Data',
    'application/x-www-form-urlencoded; x',
    'application/x-www-form-urlencoded; a=1; a=2',
    // Go lower-cases `İ` (U+0130) to `i`: this is a form type for dockerd.
    'applİcatİon/x-www-form-urlencoded',
    'application/json\u00a0',
  ];
  it.each(refused)('refuses %j', (value) => {
    expect(() => bodyMediaKind(value)).toThrow(FactsError);
  });
});
