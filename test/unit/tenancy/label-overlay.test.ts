/**
 * A create's owner labels added without copying the client's labels map (src/tenancy/label-overlay.ts):
 * the bytes serialiseWithin writes must be those of the merged deep copy withOwnerLabels made
 * before (withOwnerLabels, rev-stall), on hostile bodies too.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../../src/core/types.js';
import { decodeGoJson } from '../../../src/facts/go-json.js';
import { copyBody } from '../../../src/tenancy/body-copy.js';
import { withCreateLabels } from '../../../src/tenancy/label-overlay.js';
import { goObjectAt } from '../../../src/tenancy/labels.js';
import { serialiseWithin } from '../../../src/tenancy/rewritten-body.js';

/** withOwnerLabels as it was before rev-stall (a deep copy, the labels assigned into it): the reference. */
function copiedWithOwnerLabels(body: JsonValue | undefined, path: readonly string[], labels: Record<string, string>): JsonObject {
  const root: JsonObject = body !== null && typeof body === 'object' && !Array.isArray(body) ? copyBody(body) : (Object.create(null) as JsonObject);
  const parent = goObjectAt(root, ...path.slice(0, -1));
  Object.assign(goObjectAt(parent, path[path.length - 1] as string), labels);
  return root;
}

const owner = { 'dockgate.owner': 'alice', 'dockgate.team': 'web', 'dockgate.created': 'c1' };
const many = `{"Image":"busybox","Labels":{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":"v${i % 7}"`).join(',')}},"Cmd":["sh"]}`;

describe('owner labels over the client labels map write the merged copy\'s bytes', () => {
  it.each([
    ['plain', '{"Image":"busybox","Labels":{"a":"b"}}', owner],
    ['keys differing in case', '{"Labels":{"a":"1","A":"2","Dockgate.Owner":"x","DOCKGATE.TEAM":"y"},"image":"busybox"}', owner],
    ['the field spelt in lower case', '{"labels":{"x":"y"},"Image":"i"}', owner],
    ['unicode keys and values', '{"Labels":{"é":"ü","\\ud83d\\ude00":"\\u2028","k\\u212A":"\\u0000","\\u0130":"ı"}}', owner],
    ['array-index keys (written first)', '{"Labels":{"b":"1","7":"x","0":"y","4294967295":"z","01":"w"},"Cmd":null}', owner],
    ['an added key that is an array index', '{"Labels":{"a":"1","3":"x"}}', { '5': 'n', 'dockgate.owner': 'o' }],
    ['an added key already there (an admin\'s dockgate.created)', '{"Labels":{"dockgate.created":"old","dockgate.owner":"bob","z":"1"}}', owner],
    ['prototype names', '{"Labels":{"__proto__":"p","constructor":"c","toString":"t"},"__proto__":{"x":1}}', owner],
    ['empty map', '{"Labels":{},"Image":"i"}', owner],
    ['no labels added', '{"Labels":{"a":"b"}}', {}],
    ['labels null', '{"Labels":null,"Image":"i"}', owner],
    ['no labels field', '{"Image":"i","HostConfig":{"Memory":1}}', owner],
    ['nested objects after the map', '{"Labels":{"a":"b"},"HostConfig":{"Binds":["v:/x"],"LogConfig":{"Config":{"a":"b"}}},"NetworkingConfig":{"EndpointsConfig":{"n":{}}}}', owner],
    ['a value that looks like the placeholder', '{"Labels":{"a":"dockgate-labels-00"},"Image":"\\"dockgate-labels-"}', owner],
    ['100 000 labels', many, owner],
  ])('%s', (_name, text, labels: Record<string, string>) => {
    const body = decodeGoJson(Buffer.from(text), 'object');
    const before = JSON.stringify(body);
    const want = JSON.stringify(copiedWithOwnerLabels(body, ['Labels'], labels));
    const got = serialiseWithin(withCreateLabels(body, labels), 'POST', undefined).toString();
    expect(got).toBe(want);
    // The client's body is not written to.
    expect(JSON.stringify(body)).toBe(before);
  });

  it('a field that is no object is refused as before', () => {
    const body = decodeGoJson(Buffer.from('{"Labels":"x"}'), 'object');
    expect(() => withCreateLabels(body, owner)).toThrow(/Labels is a string/);
  });

  it('the limit counts the merged bytes', () => {
    const body = decodeGoJson(Buffer.from('{"Labels":{"a":"b"}}'), 'object');
    const want = JSON.stringify(copiedWithOwnerLabels(body, ['Labels'], owner)).length;
    expect(serialiseWithin(withCreateLabels(body, owner), 'POST', want).length).toBe(want);
    expect(() => serialiseWithin(withCreateLabels(body, owner), 'POST', want - 1)).toThrow(/inspection limit/);
  });

  it('later rewrites of the copy are written too, and a replaced map is written as it is', () => {
    const body = decodeGoJson(Buffer.from('{"Labels":{"a":"b"},"HostConfig":{}}'), 'object');
    const copy = withCreateLabels(body, owner);
    const reference = copiedWithOwnerLabels(body, ['Labels'], owner);
    for (const c of [copy, reference]) (goObjectAt(c, 'HostConfig') as JsonObject).Memory = 5;
    expect(serialiseWithin(copy, 'POST', undefined).toString()).toBe(JSON.stringify(reference));
    copy.Labels = { z: '1' };
    expect(serialiseWithin(copy, 'POST', undefined).toString()).toBe('{"Labels":{"z":"1"},"HostConfig":{"Memory":5}}');
  });
});
