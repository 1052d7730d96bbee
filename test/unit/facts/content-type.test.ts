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

  // [value, message]: the refusal names the kind of type, never the header's value, which the
  // record would otherwise keep (rev-secrets F3: only User-Agent is logged).
  const SECRET = 'Hunter2-CT-SECRET';
  it.each([
    [`multipart/form-data; boundary=${SECRET}`, 'Content-Type multipart/form-data is not accepted (Go reads form values from it, on any method)'],
    [`Multipart/Form-Data;${SECRET}`, 'Content-Type multipart/form-data is not accepted (Go reads form values from it, on any method)'],
    [`application/x-www-form-urlencoded; x=${SECRET}; x=1`, 'a malformed form Content-Type is not accepted (Go may still read the body as a form)'],
    [`${SECRET}/form; x`, 'a malformed form Content-Type is not accepted (Go may still read the body as a form)'],
    [`application/json; x=${SECRET}\u00e9`, 'a Content-Type with non-ASCII characters is not accepted (Go may read it as a form type)'],
  ])('refuses %j without quoting it', (value, message) => {
    expect(() => bodyMediaKind(value)).toThrow(message);
    try {
      bodyMediaKind(value);
    } catch (err) {
      expect((err as Error).message).not.toContain(SECRET);
    }
  });
});
