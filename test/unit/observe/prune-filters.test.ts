import { describe, expect, it } from 'vitest';
import { pruneFilters } from '../../../src/observe/prune-filters.js';

describe('pruneFilters: a prune\'s filters as filters.FromJSON reads them', () => {
  it.each<[string, string | undefined, string[] | undefined]>([
    ['absent', undefined, undefined],
    ['empty', '', undefined],
    ['null', 'null', undefined],
    ['empty object', '{}', undefined],
    ['current form: keys count whatever the boolean', '{"label":{"a=b":true,"c":false},"until":{"24h":true}}', ['label=a=***', 'label=c', 'until=24h']],
    ['legacy form', '{"label":["a=b","c"]}', ['label=a=***', 'label=c']],
    // rev-day1 F1: dockerd keeps a name whose value set is empty, and ExactMatch and MatchKVList
    // match every value for it: {"dangling":{}} prunes every unused image, tagged ones too.
    ['an empty value set matches any value (current form)', '{"dangling":{}}', ['dangling']],
    ['an empty value set matches any value (legacy form)', '{"dangling":[]}', ['dangling']],
    ['an empty label set beside others', '{"label":{},"until":{"1h":true}}', ['label', 'until=1h']],
    ['a null filter is a nil set, matching any value', '{"label":null,"until":{"1h":true}}', ['label', 'until=1h']],
    // A value spelled like a marker is a value: only a name with no values is recorded bare.
    ['a label value "(any)" is a value', '{"label":{"(any)":true}}', ['label=(any)']],
    ['a dangling value "(any)" is a value', '{"dangling":["(any)"]}', ['dangling=(any)']],
    ['a null boolean still counts its key', '{"label":{"a":null}}', ['label=a']],
    ['a null string in a list is empty', '{"label":["a",null]}', ['label=a', 'label=']],
    ['the last of duplicate names wins', '{"label":{"a":true},"label":{"b":true}}', ['label=b']],
    ['the last of duplicate names wins (legacy form)', '{"label":["a"],"label":["b"]}', ['label=b']],
    ['a null last of duplicate names wins too', '{"label":{"a":true},"label":null}', ['label']],
    // dockerd 20.10 refuses a name given in the two forms, whichever comes last ("json: cannot
    // unmarshal array into Go value of type map[string]bool"), and a wrong type in any duplicate.
    ['a duplicate name in the two forms, the map last', '{"label":["a"],"label":{"b":true}}', ['(unparsable)']],
    ['a duplicate name in the two forms, the list last', '{"label":{"b":true},"label":["a"]}', ['(unparsable)']],
    ['a duplicate name in the two forms beside another filter', '{"until":{"1h":true},"label":["a"],"label":{"b":true}}', ['(unparsable)']],
    ['a duplicate name whose first value is neither form', '{"until":"x","until":{"1h":true}}', ['(unparsable)']],
    ['a duplicate value key whose first boolean is a string', '{"label":{"a":"x","a":true}}', ['(unparsable)']],
    // rev-day1 F8: label values are never logged (as a commit body's Labels values): the key only.
    ['a label value is masked', '{"label":{"token=abc123":true}}', ['label=token=***']],
    ['so is a label! value, and an empty one', '{"label!":["token=abc123","team="]}', ['label!=token=***', 'label!=team=***']],
    ['a value after the first = is all masked', '{"label":{"k=a=b":true}}', ['label=k=***']],
    ['other filters keep their values', '{"until":{"24h":true},"dangling":{"false":true}}', ['until=24h', 'dangling=false']],
    // A key=value is masked whatever the filter's name: dockerd refuses `Label` (400 Invalid
    // filter), but the record must not hold it either (rev-secrets F5).
    ['a label filter spelled Label', '{"Label":["k=SECRET"]}', ['Label=k=***']],
    ['a label! filter spelled LABEL!', '{"LABEL!":{"k=SECRET":true}}', ['LABEL!=k=***']],
    ['a label filter with a Unicode K in its name', '{"\u212aabel":["k=SECRET"]}', ['\u212aabel=k=***']],
    ['an unknown filter with a key=value', '{"lable":["token=SECRET"]}', ['lable=token=***']],
    ['the two forms mixed', '{"label":["a"],"dangling":{"true":true}}', ['(unparsable)']],
    ['not JSON', '{label', ['(unparsable)']],
    ['a list', '["label=a"]', ['(unparsable)']],
    ['a string value', '{"label":"a"}', ['(unparsable)']],
    ['a non-boolean in a map', '{"label":{"a":"yes"}}', ['(unparsable)']],
  ])('%s', (_name, raw, want) => {
    expect(pruneFilters(raw)).toEqual(want);
  });
});
