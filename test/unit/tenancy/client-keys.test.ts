/**
 * Keys a client chooses (network names as EndpointsConfig keys, label keys, ...) that are also
 * the names of Object.prototype's members stay the client's keys through tenancy's rewrites of
 * a create body: decoded as the gateway decodes it, copied and pinned as containerCreate does.
 * A network named `__proto__` in `NetworkMode` (no EndpointsConfig) made pinNetwork read
 * Object.prototype as the endpoint and set `NetworkID` on it for the whole process, without
 * pinning the body; one named `constructor` or `toString` was refused as "not an object".
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import { pinEndpointId, pinNetwork } from '../../../src/tenancy/create-body.js';
import { withOwnerLabels } from '../../../src/tenancy/labels.js';
import { endpointIdWhere } from '../../../src/tenancy/references.js';

const ID = 'f'.repeat(64);
const OWNER = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** The body as containerCreate has it: decoded by the gateway's decoder, then copied with the owner labels. */
function rewritable(json: string): JsonObject {
  const facts = buildFacts({ method: 'POST', rawTarget: '/v1.41/containers/create', headers: { 'content-type': 'application/json' }, body: Buffer.from(json) });
  return withOwnerLabels(facts.body, ['Labels'], OWNER);
}

afterEach(() => {
  // A failing case may have set it; later tests must not inherit it.
  delete (Object.prototype as Record<string, unknown>).NetworkID;
});

describe('pinNetwork with a network named like a prototype member', () => {
  it.each(PROTOTYPE_NAMES)('NetworkMode %s, no EndpointsConfig: the endpoint is added and pinned', (name) => {
    const body = rewritable(JSON.stringify({ Image: 'busybox', HostConfig: { NetworkMode: name } }));
    pinNetwork(body, name, ID);
    expect(({} as Record<string, unknown>).NetworkID).toBeUndefined();
    const sent = JSON.parse(JSON.stringify(body)) as { NetworkingConfig: { EndpointsConfig: Record<string, unknown> } };
    expect(Object.keys(sent.NetworkingConfig.EndpointsConfig)).toEqual([name]);
    expect(Object.getOwnPropertyDescriptor(sent.NetworkingConfig.EndpointsConfig, name)?.value).toEqual({ NetworkID: ID });
  });

  it.each(PROTOTYPE_NAMES)('NetworkMode %s with its endpoint in EndpointsConfig (the CLI\'s body): pinned there', (name) => {
    const body = rewritable(`{"Image":"busybox","HostConfig":{"NetworkMode":${JSON.stringify(name)}},"NetworkingConfig":{"EndpointsConfig":{${JSON.stringify(name)}:{"Aliases":["a"]}}}}`);
    pinNetwork(body, name, ID);
    expect(({} as Record<string, unknown>).NetworkID).toBeUndefined();
    expect(JSON.stringify(body)).toContain(`"EndpointsConfig":{${JSON.stringify(name)}:{"Aliases":["a"],"NetworkID":"${ID}"}}`);
  });

  it.each(PROTOTYPE_NAMES)('another endpoint key only: NetworkMode %s is not added beside it', (name) => {
    const body = rewritable(`{"Image":"busybox","HostConfig":{"NetworkMode":${JSON.stringify(name)}},"NetworkingConfig":{"EndpointsConfig":{"anet":{}}}}`);
    pinNetwork(body, name, ID);
    expect(JSON.stringify(body)).toContain('"EndpointsConfig":{"anet":{}}');
  });

  it.each(PROTOTYPE_NAMES)('an endpoint %s with a NetworkID: pinned in place', (name) => {
    const body = rewritable(`{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{${JSON.stringify(name)}:{"NetworkID":"abc"}}}}`);
    pinEndpointId(body, endpointIdWhere(name), ID);
    expect(JSON.stringify(body)).toContain(`"EndpointsConfig":{${JSON.stringify(name)}:{"NetworkID":"${ID}"}}`);
  });
});

describe('label keys named like prototype members are forwarded', () => {
  it.each(PROTOTYPE_NAMES)('Labels {%s: "x"}', (name) => {
    const body = rewritable(`{"Image":"busybox","Labels":{${JSON.stringify(name)}:"x"}}`);
    expect(JSON.stringify(body)).toBe(`{"Image":"busybox","Labels":{${JSON.stringify(name)}:"x","dockgate.owner":"alice","dockgate.team":"web"}}`);
  });
});
