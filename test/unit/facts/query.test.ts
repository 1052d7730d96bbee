import { describe, expect, it } from 'vitest';
import { FORM_BODY_BYTES, goBoolValue, mergeQuery, parseFormBody, parseGoQuery } from '../../../src/facts/query.js';
import { factsErrorCode } from './facts-error-code.js';

describe('parseGoQuery (url.ParseQuery)', () => {
  const cases: Array<[string, Array<[string, string]>]> = [
    ['', []],
    ['a=1', [['a', '1']]],
    ['a=1&a=2&b', [['a', '1'], ['a', '2'], ['b', '']]],
    ['a=1&&b=2&', [['a', '1'], ['b', '2']]],
    ['a+b=c+d', [['a b', 'c d']]],
    ['a%2Bb=%26%3D', [['a+b', '&=']]],
    ['x=a=b', [['x', 'a=b']]],
    ['=v', [['', 'v']]],
    ['name=caf%C3%A9', [['name', 'café']]],
    ['filters=%7B%22label%22%3A%5B%22a%22%5D%7D', [['filters', '{"label":["a"]}']]],
  ];
  it.each(cases)('%j', (raw, pairs) => {
    expect(parseGoQuery(raw)).toEqual(pairs);
  });

  const refused: string[] = ['a=1;b=2', 'a;b', 'a=%zz', 'a=%', 'a=%4', '%ff=1', 'a=%C3'];
  it.each(refused)('refuses %j', (raw) => {
    expect(factsErrorCode(() => parseGoQuery(raw))).toBe('bad-query');
  });

  it('does not quote a bad escape: the value may be a secret (buildargs)', () => {
    let message = '';
    try {
      parseGoQuery('buildargs=%7B%22PW%22%3A%22s3%zzcret%22%7D');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('invalid percent escape');
  });
});

describe('mergeQuery (ParseForm + FormValue)', () => {
  it('takes the first value of a key and keeps all of them', () => {
    const { query, queryAll } = mergeQuery([], parseGoQuery('force=1&force=0&v=x'));
    expect({ ...query }).toEqual({ force: '1', v: 'x' });
    expect({ ...queryAll }).toEqual({ force: ['1', '0'], v: ['x'] });
  });

  it('puts form values first', () => {
    const { query, queryAll } = mergeQuery(parseGoQuery('a=form&a=form2'), parseGoQuery('b=query'));
    expect({ ...query }).toEqual({ a: 'form', b: 'query' });
    expect({ ...queryAll }).toEqual({ a: ['form', 'form2'], b: ['query'] });
  });

  it('refuses a key in both the form and the query', () => {
    expect(factsErrorCode(() => mergeQuery(parseGoQuery('networkmode=none'), parseGoQuery('networkmode=host')))).toBe('ambiguous-query');
  });

  it('treats __proto__ as an ordinary key', () => {
    const { query } = mergeQuery([], parseGoQuery('__proto__=x&constructor=y'));
    expect(query['__proto__']).toBe('x');
    expect(query['constructor']).toBe('y');
    expect(Object.keys(query)).toEqual(['__proto__', 'constructor']);
  });
});

describe('parseFormBody', () => {
  const enc = new TextEncoder();
  it('parses ASCII form bodies', () => {
    expect(parseFormBody(enc.encode('a=1&b=x+y'))).toEqual([['a', '1'], ['b', 'x y']]);
  });
  // Printable ASCII is 0x20 (space) to 0x7e (tilde), both ends included.
  it.each([
    ['a=~&b=x~y', [['a', '~'], ['b', 'x~y']]],
    ['a= ', [['a', ' ']]],
    ['~=1', [['~', '1']]],
  ])('decodes %j', (body, want) => {
    expect(parseFormBody(enc.encode(body))).toEqual(want);
  });
  it.each(['a=é', 'a=1\n', 'a=1;b=2', 'a=\x7f', 'a=\x1f'])('refuses %j', (body) => {
    expect(factsErrorCode(() => parseFormBody(enc.encode(body)))).toBe('bad-query');
  });
  it('the bound is 64 KiB', () => {
    expect(FORM_BODY_BYTES).toBe(65536);
    expect(() => parseFormBody(enc.encode('k=v&'.repeat(16384) + 'x'))).toThrow('form body over 65536 bytes');
  });
  it('decodes a body of exactly FORM_BODY_BYTES and refuses one byte more, before decoding', () => {
    const pair = 'k=v&';
    const at = pair.repeat(FORM_BODY_BYTES / pair.length);
    expect(parseFormBody(enc.encode(at))).toHaveLength(FORM_BODY_BYTES / pair.length);
    // The extra byte is not even printable ASCII: the size is refused first.
    expect(() => parseFormBody(enc.encode(`${at}\n`))).toThrow(`form body over ${FORM_BODY_BYTES} bytes`);
  });
  it('reads a view into a larger buffer from its own offset', () => {
    const whole = enc.encode('xxxxa=1&b=2yyyy');
    expect(parseFormBody(whole.subarray(4, 11))).toEqual([['a', '1'], ['b', '2']]);
  });
});

describe('goBoolValue (httputils.BoolValue)', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['no', false],
    ['NO', false],
    ['False', false],
    [' none\t', false],
    ['1', true],
    ['true', true],
    ['yes', true],
    ['2', true],
    ['off', true],
    ['n', true],
    ['no no', true],
    ['\u0085no', undefined],
    ['no\u00a0', undefined],
    ['\ufeff0', undefined],
    ['ｎｏ', undefined],
  ] as const)('%j reads as %j', (value, want) => {
    expect(goBoolValue(value)).toBe(want);
  });
});
