import { describe, expect, it } from 'vitest';
import { noConnection, noConnectionMade, upstreamErrorKind, type OsErrorFacts } from '../../../src/proxy/upstream-errors.js';

/** An error as Node raises it: a code and the call that failed. */
const osError = (code: string, syscall: string): Error => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

describe('upstreamErrorKind: the same split on the request and the upgrade paths', () => {
  it.each<[OsErrorFacts | undefined, 'unreachable' | 'failed']>([
    // No connection could be made: a unix socket's, a TCP upstream's (port, name, host, network, the kernel's connect timeout).
    [{ code: 'ENOENT', syscall: 'connect' }, 'unreachable'],
    [{ code: 'ECONNREFUSED', syscall: 'connect' }, 'unreachable'],
    [{ code: 'EACCES', syscall: 'connect' }, 'unreachable'],
    [{ code: 'ENOTFOUND', syscall: 'getaddrinfo' }, 'unreachable'],
    [{ code: 'EAI_AGAIN', syscall: 'getaddrinfo' }, 'unreachable'],
    [{ code: 'EHOSTUNREACH', syscall: 'connect' }, 'unreachable'],
    [{ code: 'ENETUNREACH', syscall: 'connect' }, 'unreachable'],
    [{ code: 'ETIMEDOUT', syscall: 'connect' }, 'unreachable'],
    // A code without its call (autoSelectFamily's AggregateError, a caller that kept the code only).
    [{ code: 'ECONNREFUSED' }, 'unreachable'],
    [{ code: 'ETIMEDOUT' }, 'unreachable'],
    // One was made and broke (the daemon died or dropped it before or while answering), also
    // when the kernel timed it out or an ICMP error ended it: the request may have reached the daemon.
    [{ code: 'ETIMEDOUT', syscall: 'read' }, 'failed'],
    [{ code: 'ETIMEDOUT', syscall: 'write' }, 'failed'],
    [{ code: 'EHOSTUNREACH', syscall: 'read' }, 'failed'],
    [{ code: 'ENETUNREACH', syscall: 'write' }, 'failed'],
    [{ code: 'ECONNRESET', syscall: 'read' }, 'failed'],
    [{ code: 'EPIPE', syscall: 'write' }, 'failed'],
    [{ code: 'ECONNRESET' }, 'failed'],
    [{ code: '' }, 'failed'],
    [{}, 'failed'],
    [undefined, 'failed'],
  ])('%j -> %s', (err, kind) => {
    expect(upstreamErrorKind(err)).toBe(kind);
    expect(noConnectionMade(err)).toBe(kind === 'unreachable');
  });
});

describe('noConnection (the API range) agrees with upstreamErrorKind on errors as Node raises them', () => {
  it.each<[Error, boolean]>([
    [osError('ENOENT', 'connect'), true],
    [osError('ECONNREFUSED', 'connect'), true],
    [osError('ENOTFOUND', 'getaddrinfo'), true],
    [osError('EHOSTUNREACH', 'connect'), true],
    [osError('ENETUNREACH', 'connect'), true],
    [osError('ETIMEDOUT', 'connect'), true],
    [osError('ETIMEDOUT', 'read'), false],
    [osError('ECONNRESET', 'read'), false],
    // The look-ups' own timeout (daemon-client.ts): no code.
    [new Error('daemon request GET /version timed out'), false],
  ])('%s -> %s', (err, none) => {
    expect(noConnection(err)).toBe(none);
    expect(upstreamErrorKind(err as NodeJS.ErrnoException)).toBe(none ? 'unreachable' : 'failed');
  });
});
