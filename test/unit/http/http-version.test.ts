import { describe, expect, it } from 'vitest';
import { refusalOutcome } from '../../../src/http/gateway-error.js';
import { httpVersionRefusal } from '../../../src/http/http-version.js';

describe('httpVersionRefusal: the versions Go refuses in a request line', () => {
  it.each([
    // Node's reading of the request line -> dockerd's status (undefined: served).
    [1, 1, undefined],
    [1, 0, undefined],
    [0, 9, 400], // no version at all (or a textual HTTP/0.9)
    [2, 0, 505], // a textual HTTP/2.0
  ])('HTTP/%i.%i -> %s', (major, minor, status) => {
    const refusal = httpVersionRefusal(major, minor);
    expect(refusal?.status).toBe(status);
    if (refusal) {
      expect(refusal.reasonCode).toBe('http-version');
      expect(refusalOutcome(refusal)).toBe('malformed');
    }
  });
});
