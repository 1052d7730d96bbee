/**
 * The reference dockerd acts on for a pull, a push, a tag and a commit or import
 * (src/policy/guards/daemon-references.ts): a name with a tag or a digest is that one
 * reference; only a name with neither is every tag of the repository (`docker pull -a`).
 */
import { describe, expect, it } from 'vitest';
import { namedTarget, pullReading, pushReading, tagTarget } from '../../../src/policy/guards/daemon-references.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('pullReading', () => {
  it.each([
    // A tag or a digest in fromImage, no tag parameter: that one reference.
    ['busybox:1.0', undefined, { ref: 'busybox:1.0' }],
    [`busybox@${A}`, undefined, { ref: `busybox@${A}` }],
    [`busybox:1.0@${A}`, undefined, { ref: `busybox:1.0@${A}` }],
    ['registry.example.com:5000/team/app:2', undefined, { ref: 'registry.example.com:5000/team/app:2' }],
    ['busybox:1.0', '', { ref: 'busybox:1.0' }],
    // Neither: every tag (a registry port is no tag).
    ['busybox', undefined, { everyTag: 'busybox' }],
    ['busybox', '', { everyTag: 'busybox' }],
    ['busybox:', undefined, { everyTag: 'busybox' }],
    ['registry.example.com:5000/team/app', undefined, { everyTag: 'registry.example.com:5000/team/app' }],
    // A tag parameter replaces the tag; a digest as tag replaces tag and digest.
    ['busybox', '1.36', { ref: 'busybox:1.36' }],
    ['busybox:1.0', '1.36', { ref: 'busybox:1.36' }],
    [`busybox@${A}`, '1.36', { ref: `busybox:1.36@${A}` }],
    ['busybox:1.0', B, { ref: `busybox@${B}` }],
  ])('%j tag %j', (fromImage, tag, want) => {
    expect(pullReading(fromImage, tag)).toEqual(want);
  });
});

describe('pushReading', () => {
  it.each([
    ['app:1', undefined, { ref: 'app:1' }],
    [`app@${A}`, undefined, { ref: `app@${A}` }],
    ['app', undefined, { everyTag: 'app' }],
    ['app', '', { everyTag: 'app' }],
    ['app', '2', { ref: 'app:2' }],
    ['app:1', '2', { ref: 'app:2' }],
  ])('%j tag %j', (name, tag, want) => {
    expect(pushReading(name, tag)).toEqual(want);
  });
});

describe('tagTarget and namedTarget', () => {
  it.each([
    [tagTarget, 'app', '2', 'app:2'],
    [tagTarget, `app:1@${A}`, '2', 'app:2'],
    [tagTarget, 'app:1', undefined, 'app:1'],
    [namedTarget, 'app', '2', 'app:2'],
    [namedTarget, `app@${A}`, '2', `app:2@${A}`],
    [namedTarget, 'app', undefined, 'app'],
  ])('%o %j tag %j', (fn, repo, tag, want) => {
    expect(fn(repo, tag)).toBe(want);
  });
});
