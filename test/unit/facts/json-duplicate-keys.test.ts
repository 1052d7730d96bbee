/** firstDuplicateKey: a key twice in one object of a JSON text; objectMembers: every member of an object, duplicates included. */
import { describe, expect, it } from 'vitest';
import { firstDuplicateKey, objectMembers } from '../../../src/facts/json-duplicate-keys.js';

describe('firstDuplicateKey', () => {
  it.each([
    ['{"label":["a"],"label":{"b":true}}', 'label'],
    ['{"label":{"a":true,"a":false}}', 'a'],
    ['{"a":1,"b":{"a":2}}', undefined],
    ['{"a":[{"x":1},{"x":2}]}', undefined],
    ['{"a":[{"x":1,"x":2}]}', 'x'],
    ['{"l\\u0061bel":1,"label":2}', 'label'],
    ['{"a\\"b":1,"a\\"b":2}', 'a"b'],
    ['{"label":["{\\"x\\":1,\\"x\\":2}"]}', undefined],
    ['{"Label":1,"label":2}', undefined],
    ['["a","a"]', undefined],
    ['{}', undefined],
    ['null', undefined],
    ['{"__proto__":1,"__proto__":2}', '__proto__'],
    // String values are never keys, however often they repeat.
    ['{"a":"x","b":"x"}', undefined],
    ['{"a":"b","b":1}', undefined],
    ['{"a":["x","x"],"b":{"c":"c"}}', undefined],
  ])('%s -> %j', (text, want) => {
    JSON.parse(text);
    expect(firstDuplicateKey(text)).toBe(want);
  });
});

describe('objectMembers', () => {
  it.each<[string, Array<[string, string]>]>([
    ['{}', []],
    [' { } ', []],
    ['{"label":["a"],"label":{"b":true}}', [['label', '["a"]'], ['label', '{"b":true}']]],
    ['{ "a" : 1 , "b" : null }', [['a', '1'], ['b', 'null']]],
    ['{"a":{"x":1,"y":[1,{"z":2}]},"b":"s"}', [['a', '{"x":1,"y":[1,{"z":2}]}'], ['b', '"s"']]],
    // Keys unescaped; punctuation inside strings is text.
    ['{"l\\u0061bel":"a,b}","label":"c:d]"}', [['label', '"a,b}"'], ['label', '"c:d]"']]],
    ['{"a\\"b":"x\\"","c":[]}', [['a"b', '"x\\""'], ['c', '[]']]],
    ['{"__proto__":1,"__proto__":2}', [['__proto__', '1'], ['__proto__', '2']]],
  ])('%s', (text, want) => {
    JSON.parse(text);
    expect(objectMembers(text)).toEqual(want);
  });
});
