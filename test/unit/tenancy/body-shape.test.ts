/**
 * Tenancy's rewrites never turn a body dockerd refuses into one it accepts: a field of a type
 * dockerd cannot decode is refused (BodyShapeError, a 400), not replaced by tenancy's value.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { pinNetwork } from '../../../src/tenancy/create-body.js';
import { BodyShapeError, goObjectAt, goSet } from '../../../src/tenancy/labels.js';
import { applyLimits } from '../../../src/tenancy/limits.js';

const quota = { memory: 256 * 1024 * 1024, defaultMemory: 64 * 1024 * 1024, cpus: 1, defaultCpus: 0.5, pids: 100 };

describe('goSet and goObjectAt: absent or null is filled in, another type is refused', () => {
  it.each([
    ['absent', {}, 5, { Memory: 5 }],
    ['null', { Memory: null }, 5, { Memory: 5 }],
    ['a number', { Memory: 1 }, 5, { Memory: 5 }],
    ['folded key, reused', { memory: 1 }, 5, { memory: 5 }],
  ])('%s', (_label, obj, value, want) => {
    const o = obj as JsonObject;
    goSet(o, 'Memory', value);
    expect(o).toEqual(want);
  });

  it.each([['a string', 'x'], ['a numeric string', '100000000'], ['a boolean', true], ['a list', []], ['an object', {}]])('Memory as %s is refused', (_label, v) => {
    expect(() => goSet({ Memory: v } as JsonObject, 'Memory', 5)).toThrow(BodyShapeError);
  });

  it.each([['x'], [1], [true], [[]]])('HostConfig %j is refused, not replaced', (v) => {
    expect(() => goObjectAt({ HostConfig: v } as JsonObject, 'HostConfig')).toThrow(BodyShapeError);
  });
});

describe('rewrites refuse what dockerd cannot decode', () => {
  it.each([
    ['Memory', { Memory: 'x' }],
    ['NanoCpus', { NanoCpus: true }],
    ['PidsLimit', { PidsLimit: {} }],
  ])('an injected default over a %s dockerd cannot decode', (_label, host) => {
    expect(() => applyLimits({ HostConfig: host } as JsonObject, quota, true, ['HostConfig'])).toThrow(BodyShapeError);
  });

  it.each([
    ['an endpoint that is a string', { NetworkingConfig: { EndpointsConfig: { anet: 'x' } } }],
    ['a NetworkID that is a number', { NetworkingConfig: { EndpointsConfig: { anet: { NetworkID: 5 } } } }],
  ])('pinning a network: %s', (_label, body) => {
    expect(() => pinNetwork(body as JsonObject, 'anet', 'f'.repeat(64))).toThrow(BodyShapeError);
  });

  it('pinning a network: null and absent endpoints are filled in', () => {
    const body = { NetworkingConfig: { EndpointsConfig: { anet: null } } } as JsonObject;
    pinNetwork(body, 'anet', 'f'.repeat(64));
    expect(body).toEqual({ NetworkingConfig: { EndpointsConfig: { anet: { NetworkID: 'f'.repeat(64) } } } });
  });
});
