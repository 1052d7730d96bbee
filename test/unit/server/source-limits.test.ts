/**
 * The per-source handshake limits wired to a listener (source-limits.ts), driven through the
 * server events they listen to with small fakes of the TCP and TLS sockets: what is counted,
 * what is closed on arrival (and with which bytes), what is reported, and when a place is freed.
 */
import { EventEmitter } from 'node:events';
import type { Server, TLSSocket } from 'node:tls';
import { describe, expect, it, vi } from 'vitest';
import type { HandshakeFailure } from '../../../src/core/observer.js';
import { arrivalDetail, COUNTED_FAILURES, limitHandshakeSources, parentOf, type SourceLimitsOptions } from '../../../src/server/source-limits.js';

/** The fatal access_denied alert a connection closed on arrival gets. */
const ACCESS_DENIED = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31]);

/** A TCP connection as the listener's `connection` event sees it. */
class FakeRaw extends EventEmitter {
  written: Buffer[] = [];
  destroyed = false;
  bytesRead = 1;
  constructor(
    readonly remoteAddress: string | undefined,
    readonly remotePort: number | undefined = 40000,
  ) {
    super();
  }
  write(data: Buffer, cb?: () => void): boolean {
    this.written.push(data);
    cb?.();
    return true;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

/** A TLS socket over `raw`, as `tlsClientError` and `secureConnection` see it. */
function tlsOver(raw: FakeRaw | undefined, authorizationError?: string): TLSSocket & { destroyCalls: number } {
  const socket = {
    _parent: raw,
    authorizationError,
    destroyCalls: 0,
    destroy() {
      socket.destroyCalls += 1;
      return socket;
    },
  };
  return socket as unknown as TLSSocket & { destroyCalls: number };
}

interface Rig {
  server: Server;
  failed: Array<[HandshakeFailure, string, string | undefined]>;
  blocked: Array<[string, number, Record<string, number>, number]>;
  onRefused: ReturnType<typeof vi.fn>;
  limits: ReturnType<typeof limitHandshakeSources>;
  /** A connection from `address` arrives. */
  connect(address: string | undefined, port?: number): FakeRaw;
  /** Its handshake is verified. */
  secure(raw: FakeRaw): void;
  /** Its handshake fails with `err` (and the socket's verify code, if any); returns the TLS socket. */
  fail(raw: FakeRaw | undefined, err?: Error, verifyCode?: string): TLSSocket & { destroyCalls: number };
}

function rig(opts: Partial<SourceLimitsOptions> = {}, server: Server = new EventEmitter() as unknown as Server): Rig {
  const failed: Rig['failed'] = [];
  const blocked: Rig['blocked'] = [];
  const onRefused = vi.fn();
  const limits = limitHandshakeSources(server, {
    handshakesPerSource: 2,
    handshakeFailuresPerSource: 3,
    everyCaHasCrl: () => false,
    onRefused,
    reports: {
      handshakeFailed: (reason, detail, client) => failed.push([reason, detail, client]),
      sourceBlocked: (source, failures, reasons, forMs) => blocked.push([source, failures, reasons, forMs]),
    },
    ...opts,
  });
  return {
    server,
    failed,
    blocked,
    onRefused,
    limits,
    connect(address, port) {
      const raw = new FakeRaw(address, port);
      server.emit('connection', raw);
      return raw;
    },
    secure(raw) {
      server.emit('secureConnection', tlsOver(raw));
    },
    fail(raw, err = new Error('socket hang up'), verifyCode) {
      const socket = tlsOver(raw, verifyCode);
      server.emit('tlsClientError', err, socket);
      return socket;
    },
  };
}

/** A handshake the listener refused for want of a certificate (counted). */
const noCert = (): Error => Object.assign(new Error('peer did not return a certificate'), { code: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', reason: 'peer did not return a certificate' });

describe('COUNTED_FAILURES', () => {
  it.each<[HandshakeFailure, boolean]>([
    ['no-certificate', true],
    ['unknown-ca', true],
    ['expired', true],
    ['revoked', true],
    ['bad-usage', true],
    ['protocol', true],
    // Not checked and refused by the listener: never counted against the source.
    ['source-limit', false],
    ['no-hello', false],
    ['client-alert', false],
    ['other', false],
  ])('%s counted: %s', (reason, counted) => {
    expect(COUNTED_FAILURES.has(reason)).toBe(counted);
  });
});

describe('arrivalDetail', () => {
  it.each([
    [{ kind: 'blocked', untilMs: 1, failures: 51 } as const, 'closed on arrival: blocked after 51 failed handshakes from this source within 10 s (limits.handshakeFailuresPerSource)'],
    [{ kind: 'busy', inProgress: 128 } as const, 'closed on arrival: 128 handshakes of this source in progress (limits.handshakesPerSource)'],
  ])('%o', (refusal, detail) => {
    expect(arrivalDetail(refusal)).toBe(detail);
  });
});

describe('parentOf', () => {
  it('is the TCP socket Node keeps as _parent, or undefined', () => {
    const raw = new FakeRaw('192.0.2.1');
    expect(parentOf(tlsOver(raw))).toBe(raw);
    expect(parentOf(tlsOver(undefined))).toBeUndefined();
    expect(parentOf({ _parent: null } as unknown as TLSSocket)).toBeUndefined();
  });
});

describe('limitHandshakeSources', () => {
  it('closes a connection over handshakesPerSource on arrival with an access_denied alert, and reports it as source-limit', () => {
    const r = rig();
    const a = r.connect('192.0.2.1');
    const b = r.connect('192.0.2.1');
    const c = r.connect('192.0.2.1', 40003);
    expect([a.written, b.written]).toEqual([[], []]);
    expect([a.destroyed, b.destroyed]).toEqual([false, false]);
    expect(c.written).toEqual([ACCESS_DENIED]);
    expect(c.destroyed).toBe(true);
    // Another source is apart.
    expect(r.connect('192.0.2.2').written).toEqual([]);
    // Its tlsClientError reports the refusal on arrival, whatever the error says; onRefused is not called.
    const tls = r.fail(c, noCert());
    expect(r.failed).toEqual([['source-limit', 'closed on arrival: 2 handshakes of this source in progress (limits.handshakesPerSource)', '192.0.2.1:40003']]);
    expect(tls.destroyCalls).toBe(1);
    expect(r.onRefused).not.toHaveBeenCalled();
  });

  it('a verified handshake frees its place; the connection closing afterwards frees nothing more', () => {
    const r = rig();
    const a = r.connect('192.0.2.1');
    r.connect('192.0.2.1');
    r.secure(a);
    a.emit('close');
    // One place free (not two): one connection gets in, the next is closed on arrival.
    expect(r.connect('192.0.2.1').written).toEqual([]);
    expect(r.connect('192.0.2.1').written).toEqual([ACCESS_DENIED]);
  });

  it('a connection closing mid-handshake frees its place, once', () => {
    const r = rig();
    const a = r.connect('192.0.2.1');
    r.connect('192.0.2.1');
    a.emit('close');
    a.emit('close');
    expect(r.connect('192.0.2.1').written).toEqual([]);
    expect(r.connect('192.0.2.1').written).toEqual([ACCESS_DENIED]);
  });

  it('a refused handshake frees its place, and its close afterwards frees nothing more', () => {
    const r = rig({ handshakeFailuresPerSource: 100 });
    const a = r.connect('192.0.2.1');
    r.connect('192.0.2.1');
    r.fail(a, noCert());
    a.emit('close');
    expect(r.connect('192.0.2.1').written).toEqual([]);
    expect(r.connect('192.0.2.1').written).toEqual([ACCESS_DENIED]);
  });

  it('a connection closed on arrival takes no place and frees none', () => {
    const r = rig();
    r.connect('192.0.2.1');
    r.connect('192.0.2.1');
    const c = r.connect('192.0.2.1');
    r.fail(c);
    c.emit('close');
    expect(r.connect('192.0.2.1').written).toEqual([ACCESS_DENIED]);
  });

  it('blocks a source past handshakeFailuresPerSource: reported once with the reasons, then every new connection is closed on arrival', () => {
    const r = rig();
    const reasons: Array<[string | undefined, HandshakeFailure]> = [
      ['CERT_HAS_EXPIRED', 'expired'],
      ['CERT_REVOKED', 'revoked'],
      [undefined, 'no-certificate'],
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unknown-ca'],
    ];
    for (const [code] of reasons) {
      const raw = r.connect('192.0.2.1', 41000);
      r.fail(raw, noCert(), code);
    }
    expect(r.failed.map(([reason]) => reason)).toEqual(reasons.map(([, reason]) => reason));
    expect(r.failed[0]).toEqual(['expired', 'client certificate not verified: CERT_HAS_EXPIRED', '192.0.2.1:41000']);
    expect(r.blocked).toEqual([['192.0.2.1', 4, { expired: 1, revoked: 1, 'no-certificate': 1, 'unknown-ca': 1 }, 30_000]]);
    const late = r.connect('192.0.2.1', 41001);
    expect(late.written).toEqual([ACCESS_DENIED]);
    expect(late.destroyed).toBe(true);
    r.fail(late);
    expect(r.failed.at(-1)).toEqual(['source-limit', 'closed on arrival: blocked after 4 failed handshakes from this source within 10 s (limits.handshakeFailuresPerSource)', '192.0.2.1:41001']);
    // The refusals on arrival do not count again: no second block report.
    for (let i = 0; i < 10; i += 1) r.fail(r.connect('192.0.2.1'));
    expect(r.blocked).toHaveLength(1);
    // Another source still gets in.
    expect(r.connect('192.0.2.9').written).toEqual([]);
  });

  it('at handshakeFailuresPerSource failures exactly the source is not blocked yet', () => {
    const r = rig();
    for (let i = 0; i < 3; i += 1) r.fail(r.connect('192.0.2.1'), noCert());
    expect(r.blocked).toEqual([]);
    expect(r.connect('192.0.2.1').written).toEqual([]);
  });

  it.each<[string, () => [Error, string | undefined, number], HandshakeFailure]>([
    ['a connection that sent nothing', () => [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), undefined, 0], 'no-hello'],
    ['a client alert', () => [Object.assign(new Error('tlsv1 alert unknown ca'), { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', reason: 'tlsv1 alert unknown ca' }), undefined, 300], 'client-alert'],
    ['a handshake the client dropped', () => [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), undefined, 300], 'other'],
    ['a CRL missing for a CA of tls.ca', () => [new Error('socket hang up'), 'UNABLE_TO_GET_CRL', 300], 'other'],
  ])('%s is reported but not counted against its source', (_label, make, reason) => {
    const r = rig({ handshakeFailuresPerSource: 1 });
    for (let i = 0; i < 5; i += 1) {
      const [err, code, bytesRead] = make();
      const raw = r.connect('192.0.2.1');
      raw.bytesRead = bytesRead;
      r.fail(raw, err, code);
    }
    expect(r.failed.map(([rsn]) => rsn)).toEqual(Array(5).fill(reason));
    expect(r.blocked).toEqual([]);
    expect(r.connect('192.0.2.1').written).toEqual([]);
  });

  it('details: no-hello names the error, a client alert the alert, another error its message', () => {
    const r = rig();
    const silent = r.connect('192.0.2.1');
    silent.bytesRead = 0;
    r.fail(silent, new Error('read ECONNRESET'));
    r.fail(r.connect('192.0.2.1'), Object.assign(new Error('x'), { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', reason: 'tlsv1 alert unknown ca' }));
    r.fail(r.connect('192.0.2.1'), new Error('wrong version number'));
    expect(r.failed[0]?.slice(0, 2)).toEqual(['no-hello', 'the connection ended before it sent a byte (read ECONNRESET)']);
    expect(r.failed[1]?.[1]).toMatch(/^the client ended the handshake with an alert: tlsv1 alert unknown ca/);
    expect(r.failed[2]?.slice(0, 2)).toEqual(['protocol', 'wrong version number']);
  });

  it('a verify code wins over the bytes read and the error (Node reports "socket hang up")', () => {
    const r = rig();
    const raw = r.connect('192.0.2.1');
    raw.bytesRead = 0;
    r.fail(raw, new Error('socket hang up'), 'CERT_HAS_EXPIRED');
    expect(r.failed[0]?.[0]).toBe('expired');
  });

  it('reads everyCaHasCrl at each refusal: UNABLE_TO_GET_CRL is unknown-ca (counted) once every CA has its CRL', () => {
    let every = false;
    const r = rig({ handshakeFailuresPerSource: 1, everyCaHasCrl: () => every });
    r.fail(r.connect('192.0.2.1'), undefined, 'UNABLE_TO_GET_CRL');
    every = true;
    r.fail(r.connect('192.0.2.1'), undefined, 'UNABLE_TO_GET_CRL');
    r.fail(r.connect('192.0.2.1'), undefined, 'UNABLE_TO_GET_CRL');
    expect(r.failed.map(([reason]) => reason)).toEqual(['other', 'unknown-ca', 'unknown-ca']);
    expect(r.blocked.map(([source, failures]) => [source, failures])).toEqual([['192.0.2.1', 2]]);
  });

  it('calls onRefused with the error and the TLS socket before destroying it', () => {
    const r = rig();
    const err = noCert();
    let destroyedBefore = -1;
    r.onRefused.mockImplementation((_e: Error, s: TLSSocket & { destroyCalls: number }) => {
      destroyedBefore = s.destroyCalls;
    });
    const tls = r.fail(r.connect('192.0.2.1'), err);
    expect(r.onRefused).toHaveBeenCalledTimes(1);
    expect(r.onRefused.mock.calls[0]?.[0]).toBe(err);
    expect(r.onRefused.mock.calls[0]?.[1]).toBe(tls);
    expect(destroyedBefore).toBe(0);
    expect(tls.destroyCalls).toBe(1);
    expect(r.failed).toHaveLength(1);
  });

  it('an IPv4 peer seen as IPv4-mapped IPv6 (a dual-stack listener) is the same source, reported by its IPv4 address', () => {
    const r = rig();
    r.connect('192.0.2.1');
    r.connect('::ffff:192.0.2.1');
    const c = r.connect('::ffff:192.0.2.1', 40007);
    expect(c.written).toEqual([ACCESS_DENIED]);
    r.fail(c);
    expect(r.failed.at(-1)?.[2]).toBe('192.0.2.1:40007');

    const s = rig();
    s.fail(s.connect('192.0.2.5'), noCert());
    s.fail(s.connect('::ffff:192.0.2.5'), noCert());
    s.fail(s.connect('192.0.2.5'), noCert());
    s.fail(s.connect('::ffff:192.0.2.5'), noCert());
    expect(s.blocked.map(([source, failures]) => [source, failures])).toEqual([['192.0.2.5', 4]]);
    expect(s.connect('192.0.2.5').written).toEqual([ACCESS_DENIED]);
    expect(s.connect('::ffff:192.0.2.5').written).toEqual([ACCESS_DENIED]);
  });

  it('an IPv6 source is its /64; its client is reported in brackets', () => {
    const r = rig();
    for (const a of ['2001:db8:0:1::1', '2001:db8:0:1::2', '2001:db8:0:1:ffff::3', '2001:db8:0:1::4']) r.fail(r.connect(a, 443), noCert());
    expect(r.failed[0]?.[2]).toBe('[2001:db8:0:1::1]:443');
    expect(r.blocked.map(([source]) => source)).toEqual(['2001:db8:0:1::/64']);
    expect(r.connect('2001:db8:0:1::99').written).toEqual([ACCESS_DENIED]);
    expect(r.connect('2001:db8:0:2::1').written).toEqual([]);
  });

  it('refuse() reports a refusal after the handshake and counts it against the source', () => {
    const r = rig();
    for (let i = 0; i < 4; i += 1) r.limits.refuse('revoked', 'revoked by a reload during its handshake', '192.0.2.1', 5000 + i);
    expect(r.failed[0]).toEqual(['revoked', 'revoked by a reload during its handshake', '192.0.2.1:5000']);
    expect(r.blocked.map(([source, failures, reasons]) => [source, failures, reasons])).toEqual([['192.0.2.1', 4, { revoked: 4 }]]);
    expect(r.connect('192.0.2.1').written).toEqual([ACCESS_DENIED]);
    // No address: reported without a client, counted against nobody.
    r.limits.refuse('revoked', 'x', undefined, undefined);
    expect(r.failed.at(-1)).toEqual(['revoked', 'x', undefined]);
  });

  it('a TLS socket without its TCP socket is reported without a client and destroyed', () => {
    const r = rig({ handshakeFailuresPerSource: 0 });
    const tls = r.fail(undefined, noCert());
    expect(r.failed).toEqual([['no-certificate', 'peer did not return a certificate', undefined]]);
    expect(r.blocked).toEqual([]);
    expect(tls.destroyCalls).toBe(1);
  });

  it('each listener keeps its own table: a source blocked on one is not blocked on the other', () => {
    const docker = rig();
    const admin = rig();
    for (let i = 0; i < 4; i += 1) docker.fail(docker.connect('192.0.2.1'), noCert());
    expect(docker.connect('192.0.2.1').written).toEqual([ACCESS_DENIED]);
    expect(admin.connect('192.0.2.1').written).toEqual([]);
    expect(admin.failed).toEqual([]);
  });

  it('runs before the listener\'s own connection and secureConnection listeners', () => {
    const server = new EventEmitter() as unknown as Server;
    const seen: string[] = [];
    server.on('connection', (raw: FakeRaw) => seen.push(`connection ${raw.written.length}`));
    server.on('secureConnection', () => {
      // The verified handshake's place is already free when the gateway's own listener runs.
      const probe = new FakeRaw('192.0.2.1');
      server.emit('connection', probe);
      seen.push(`probe ${probe.written.length}`);
    });
    const r = rig({ handshakesPerSource: 1 }, server);
    const a = r.connect('192.0.2.1');
    r.connect('192.0.2.1');
    expect(seen).toEqual(['connection 0', 'connection 1']);
    r.secure(a);
    expect(seen.at(-1)).toBe('probe 0');
  });
});

// The listener's own CA bundle and peers in a refusal's chain problem (peer-certificate.ts
// chainProblem): a scraper refused on the admin listener is no client of tls.ca (cleanup33,
// 1c4e323), and what it sent is the scraper's (cleanup34).
describe('limitHandshakeSources: a chain problem names the listener\'s CA bundle', () => {
  /** A peer certificate signed with a client's key, as Node parses it: its issuer is nowhere in the chain. */
  const forged = { subject: { CN: 'admin' }, issuer: { CN: 'alice' }, serialNumber: '0A', fingerprint256: 'AA:BB', ca: false };

  /** A handshake refused with UNSPECIFIED whose peer certificate keepRefusedPeers keeps, as Node's events give it. */
  function refuseForged(r: Rig): void {
    const raw = r.connect('192.0.2.1');
    const socket = Object.assign(new EventEmitter(), {
      _parent: raw,
      _handle: { verifyError: () => new Error('UNSPECIFIED') },
      authorizationError: 'UNSPECIFIED',
      getPeerCertificate: () => forged,
      destroy: () => socket,
    });
    r.server.emit('keylog', Buffer.from('line'), socket);
    socket.emit('secure');
    r.server.emit('tlsClientError', new Error('socket hang up'), socket);
  }

  it.each([
    ['the Docker listener (default)', {}, 'tls.ca', 'client'],
    ['the Docker listener', { listener: 'docker' as const }, 'tls.ca', 'client'],
    ['the admin listener', { listener: 'admin' as const }, 'admin.tls.ca', 'scraper'],
  ])('%s', (_label, opts, caFile, peer) => {
    const r = rig(opts);
    refuseForged(r);
    expect(r.failed).toEqual([
      ['unknown-ca', `client certificate not verified: UNSPECIFIED (its issuer "CN=alice" is no CA of ${caFile}, and no certificate the ${peer} sent can have issued it (one lacking basicConstraints CA:TRUE or keyUsage keyCertSign, such as a client certificate))`, '192.0.2.1:40000'],
    ]);
  });
});
