import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { emptyHealthcheckCommand } from '../../../src/facts/empty-healthcheck.js';
import { nullBuildUlimit } from '../../../src/facts/null-elements.js';

describe('emptyHealthcheckCommand (["CMD"] crashes dockerd 20.10 one interval after start)', () => {
  const cases: Array<[string, JsonValue | undefined, string | undefined]> = [
    ['ContainerCreate', { Healthcheck: { Test: ['CMD'] } }, 'Healthcheck.Test'],
    ['ContainerCreate', { healthcheck: { test: ['CMD'], Interval: 1_000_000 } }, 'Healthcheck.Test'],
    ['ImageCommit', { Healthcheck: { Test: ['CMD'] } }, 'Healthcheck.Test'],
    ['ServiceCreate', { TaskTemplate: { ContainerSpec: { Healthcheck: { Test: ['CMD'] } } } }, 'TaskTemplate.ContainerSpec.Healthcheck.Test'],
    ['ServiceUpdate', { TaskTemplate: { ContainerSpec: { Healthcheck: { Test: ['CMD'] } } } }, 'TaskTemplate.ContainerSpec.Healthcheck.Test'],
    ['ContainerCreate', { Healthcheck: { Test: ['CMD', 'true'] } }, undefined],
    ['ContainerCreate', { Healthcheck: { Test: ['CMD-SHELL'] } }, undefined], // runs the shell, no crash
    ['ContainerCreate', { Healthcheck: { Test: ['cmd'] } }, undefined], // dockerd's switch is case-sensitive: no probe
    ['ContainerCreate', { Healthcheck: { Test: ['NONE'] } }, undefined],
    ['ContainerCreate', { Healthcheck: { Test: [] } }, undefined], // inherits the image's
    ['ContainerCreate', { Healthcheck: null }, undefined],
    ['ContainerCreate', { HostConfig: { Healthcheck: { Test: ['CMD'] } } }, undefined], // not a HostConfig field
    ['ContainerUpdate', { Healthcheck: { Test: ['CMD'] } }, undefined],
    ['ContainerCreate', undefined, undefined],
    ['ServiceCreate', { taskTemplate: { containerSpec: { healthcheck: { TEST: ['CMD'] } } } }, 'TaskTemplate.ContainerSpec.Healthcheck.Test'],
    ['ServiceCreate', { Healthcheck: { Test: ['CMD'] } }, undefined], // a service's is in its container spec only
    ['ImageCommit', { hEALTHCHECK: { tEST: ['CMD'] } }, 'Healthcheck.Test'],
  ];
  it.each(cases)('%s %j -> %s', (op, body, want) => {
    expect(emptyHealthcheckCommand(op, body)).toBe(want);
  });
});

describe('nullBuildUlimit', () => {
  it.each([
    ['[null]', true],
    ['[{"Name":"nofile","Soft":1,"Hard":1},null]', true],
    ['[{"Name":"nofile","Soft":1,"Hard":1}]', false],
    ['[]', false],
    ['null', false],
    ['[nul', false], // dockerd refuses it itself
    [undefined, false],
  ])('%j -> %s', (value, want) => {
    expect(nullBuildUlimit(value)).toBe(want);
  });
});
