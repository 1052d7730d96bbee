import { describe, expect, it } from 'vitest';
import { panickingFilter } from '../../../src/facts/panicking-filters.js';

describe('panickingFilter (filters dockerd 20.10 panics on)', () => {
  it.each([
    ['ImageList', '{"reference":null}', 'filter "reference" is null'],
    ['ContainerList', '{"label":null}', 'filter "label" is null'],
    ['ContainerPrune', '{"until":{}}', 'filter "until" has no value'],
    ['ImagePrune', '{"until":[]}', 'filter "until" has no value'],
    ['NetworkPrune', '{"until":{}}', 'filter "until" has no value'],
    ['ContainerPrune', '{"until":null}', 'filter "until" is null'],
    ['ContainerPrune', '{"until":{},"until":{"24h":true}}', undefined], // Go keeps the last duplicate
    ['ContainerPrune', '{"until":{"24h":true}}', undefined],
    ['ContainerPrune', '{"until":["24h"]}', undefined],
    ['ContainerPrune', '{"Until":{}}', undefined], // map keys are exact: not the until filter
    ['ContainerList', '{"until":{}}', undefined], // only prunes read until's first value
    ['ContainerList', '{"label":{"a=b":true}}', undefined],
    ['ContainerList', 'null', undefined],
    ['ContainerList', '{bad', undefined], // dockerd refuses it itself
    ['ContainerList', undefined, undefined],
  ])('%s %j -> %s', (op, filters, want) => {
    expect(panickingFilter(op, filters)).toBe(want);
  });
});
