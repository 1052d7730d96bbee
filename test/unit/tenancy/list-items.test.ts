/**
 * The summaries a look-up keeps of list items (src/tenancy/list-items.ts) keep a daemon's map
 * keys as own keys, as JSON.parse of the whole item does (rev-fix-lists F4: dockerd accepts
 * `docker network create __proto__`, and a plain object's `out["__proto__"] = v` set the
 * copy's prototype instead, so that network dropped out of the container's summary).
 */
import { describe, expect, it } from 'vitest';
import { containerSummary, gatewayLabels, imageSummary } from '../../../src/tenancy/list-items.js';

describe('list item summaries keep every key the daemon sent', () => {
  it.each([
    ['__proto__'],
    ['constructor'],
    ['toString'],
    ['hasOwnProperty'],
  ])('a network named %s keys an endpoint of the container summary', (name) => {
    const item = JSON.parse(`{"Id":"c1","NetworkSettings":{"Networks":{"${name}":{"NetworkID":"n1","IPAddress":"x"},"b":{"NetworkID":"n2"}}}}`) as Record<string, unknown>;
    const networks = (containerSummary(item).NetworkSettings as { Networks: Record<string, unknown> }).Networks;
    expect(Object.keys(networks)).toEqual([name, 'b']);
    expect(Object.hasOwn(networks, name) ? networks[name] : undefined).toEqual({ NetworkID: 'n1' });
    expect(networks.b).toEqual({ NetworkID: 'n2' });
  });

  it('a summary reads nothing from a prototype: no own field, no field kept', () => {
    const s = containerSummary(JSON.parse('{"Id":"c1"}') as Record<string, unknown>);
    expect(Object.keys(s)).toEqual(['Id']);
    expect(Object.keys(imageSummary(JSON.parse('{"Id":"i1","RepoTags":null}') as Record<string, unknown>))).toEqual(['Id', 'RepoTags']);
  });

  it('only the gateway\'s labels are kept, as own keys', () => {
    const labels = gatewayLabels(JSON.parse('{"__proto__":{"dockgate.owner":"carol"},"dockgate.owner":"alice","x":"y"}')) as Record<string, unknown>;
    expect(Object.keys(labels)).toEqual(['dockgate.owner']);
    expect(labels['dockgate.owner']).toBe('alice');
  });

  /** gatewayLabels as it was before rev-stall (Object.entries): the table's reference. */
  function entriesGatewayLabels(labels: unknown): unknown {
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return labels;
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(labels as Record<string, unknown>)) if (k.startsWith('dockgate.')) out[k] = v;
    return out;
  }
  const many = `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":"v"`).join(',')},"dockgate.owner":"alice","0":"n","dockgate.team":"web"}`;
  it.each([
    ['case differing keys', '{"dockgate.owner":"a","Dockgate.owner":"b","DOCKGATE.OWNER":"c","dockgate.Owner":"d"}'],
    ['duplicate key (JSON.parse keeps the last)', '{"dockgate.owner":"a","dockgate.owner":"b"}'],
    ['unicode look-alikes and escapes', '{"\u0064ockgate.owner":"e","do\u212Agate.x":"k","dockgate.\u00e9":"\u00e9","\ud83d\ude00":"x","dockgate.":""}'],
    ['integer-like keys first', '{"dockgate.b":"1","7":"x","dockgate.a":"2","1":"y"}'],
    ['prototype names', '{"__proto__":"p","dockgate.__proto__":"q","constructor":"c","dockgate.toString":"t"}'],
    ['non-string values', '{"dockgate.owner":null,"dockgate.team":{"x":1},"dockgate.n":[1,2],"d":5}'],
    ['empty map', '{}'],
    ['not a map', '["dockgate.owner"]'],
    ['a string', '"dockgate.owner"'],
    ['null', 'null'],
    ['50 000 labels', many],
  ])('gatewayLabels equals the Object.entries reading: %s', (_name, text) => {
    const labels = JSON.parse(text) as unknown;
    const got = gatewayLabels(labels);
    const want = entriesGatewayLabels(labels);
    expect(got).toEqual(want);
    if (want !== null && typeof want === 'object') expect(Object.keys(got as object)).toEqual(Object.keys(want));
    expect(JSON.stringify(got)).toBe(JSON.stringify(want));
  });
});
