/** hostHeaderProblem: the Host headers Go's server refuses, counted on the raw header lines. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostHeaderProblem } from '../../../src/http/host-header.js';

const req = (version: string, rawHeaders: string[]): IncomingMessage => {
  const [major, minor] = version.split('.').map(Number);
  return { httpVersionMajor: major, httpVersionMinor: minor, rawHeaders } as unknown as IncomingMessage;
};

describe('hostHeaderProblem', () => {
  it.each([
    ['1.1', ['Host', 'docker'], undefined],
    ['1.1', ['host', 'docker', 'Accept', '*/*'], undefined],
    ['1.1', [], 'missing required Host header'],
    ['1.1', ['Hostname', 'x', 'X-Host', 'y'], 'missing required Host header'],
    ['1.0', [], undefined],
    ['1.1', ['Host', 'a', 'HOST', 'b'], 'too many Host headers'],
    ['1.0', ['Host', 'a', 'host', 'a'], 'too many Host headers'],
    // Only header names count: a value that reads "host" is not a Host header (found by a mutation review).
    ['1.1', ['Host', 'a', 'X-Name', 'host'], undefined],
    ['1.1', ['X-Via', 'Host', 'Host', 'b'], undefined],
  ])('HTTP/%s %j -> %s', (version, raw, want) => {
    expect(hostHeaderProblem(req(version, raw))).toBe(want);
  });
});
