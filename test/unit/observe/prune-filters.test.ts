import { describe, expect, it } from 'vitest';
import { pruneFilters } from '../../../src/observe/prune-filters.js';

describe('pruneFilters: a prune\'s filters as filters.FromJSON reads them', () => {
  it.each<[string, string | undefined, string[] | undefined]>([
    ['absent', undefined, undefined],
    ['empty', '', undefined],
    ['null', 'null', undefined],
    ['empty object', '{}', undefined],
    ['current form: keys count whatever the boolean', '{"label":{"a=b":true,"c":false},"until":{"24h":true}}', ['label=a=b', 'label=c', 'until=24h']],
    ['legacy form', '{"label":["a=b","c"]}', ['label=a=b', 'label=c']],
    ['a null filter has no values', '{"label":null,"until":{"1h":true}}', ['until=1h']],
    ['a null boolean still counts its key', '{"label":{"a":null}}', ['label=a']],
    ['a null string in a list is empty', '{"label":["a",null]}', ['label=a', 'label=']],
    ['the last of duplicate names wins', '{"label":{"a":true},"label":{"b":true}}', ['label=b']],
    ['the two forms mixed', '{"label":["a"],"dangling":{"true":true}}', ['(unparsable)']],
    ['not JSON', '{label', ['(unparsable)']],
    ['a list', '["label=a"]', ['(unparsable)']],
    ['a string value', '{"label":"a"}', ['(unparsable)']],
    ['a non-boolean in a map', '{"label":{"a":"yes"}}', ['(unparsable)']],
  ])('%s', (_name, raw, want) => {
    expect(pruneFilters(raw)).toEqual(want);
  });
});
