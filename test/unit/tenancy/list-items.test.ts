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
});
