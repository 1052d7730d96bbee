import { describe, expect, it } from 'vitest';
import { isDigest } from '../../../src/facts/image-digest.js';
import { tagBesideDigest } from '../../../src/policy/guards/daemon-references.js';

describe('isDigest: a digest as dockerd 20.10 (go-digest v1.0.0) accepts one', () => {
  it.each([
    [`sha256:${'a'.repeat(64)}`, true],
    [`sha384:${'0'.repeat(96)}`, true],
    [`sha512:${'f'.repeat(128)}`, true],
    [`sha256:${'A'.repeat(64)}`, false], // upper-case hex: go-digest refuses it
    [`sha256:${'a'.repeat(63)}`, false],
    [`sha256:${'a'.repeat(96)}`, false],
    [`sha512:${'a'.repeat(64)}`, false],
    [`md5:${'a'.repeat(32)}`, false], // in the reference grammar, not an algorithm go-digest knows
    ['sha256:5000', false], // a host called sha256 and its port
    [`SHA256:${'a'.repeat(64)}`, false],
    [`sha256:${'a'.repeat(64)}/x`, false],
  ])('%j -> %s', (value, want) => {
    expect(isDigest(value)).toBe(want);
  });
});

describe('tagBesideDigest: only a digest dockerd accepts makes a tag-and-digest reference', () => {
  it.each([
    [`busybox:1@sha256:${'a'.repeat(64)}`, true],
    [`busybox@sha256:${'a'.repeat(64)}`, false],
    [`busybox:1@sha256:${'A'.repeat(64)}`, false], // dockerd refuses the reference
    [`busybox:1@md5:${'a'.repeat(32)}`, false],
    ['u:pw@127.0.0.1:5000/x', false],
  ])('%j -> %s', (ref, want) => {
    expect(tagBesideDigest(ref)).toBe(want);
  });
});
