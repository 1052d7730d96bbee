/**
 * The revocation sweep run after a CRL reload: real TLS connections through the gateway's TLS
 * options, identities bound as the listener binds them, and real CRLs of a root and an
 * intermediate. A serial is revoked only together with its issuer, a revoked intermediate
 * takes its clients with it (also one with its root's name), and the decision uses the
 * certificate the identity was made from.
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { closeRevokedConnections } from '../../../src/runtime/revocation.js';
import { cutReason } from '../../../src/server/connection-cuts.js';
import { bindIdentity } from '../../../src/server/peer-identity.js';
import { connect, crlOf, leaf, listen, makeChain, sweepOpen, type Pair } from '../server/tls-chain.js';

describe('closeRevokedConnections', async () => {
  const chain = await makeChain();
  // alice and bob share a serial under different CAs.
  const alice = await leaf(chain.root, 'alice', '0a01');
  const bob = await leaf(chain.int, 'bob', '0a01');
  const carol = await leaf(chain.int, 'carol', '0c02');
  // Its issuer spelled in other case and spacing than the intermediate's subject: OpenSSL
  // accepts it at the handshake, so the sweep must find it under that CA all the same.
  const dave = await leaf(chain.int, 'dave', '0d03', 'client', 'CN=TEAM  CA, O=DOCKGATE');
  const intSerial = new X509Certificate(chain.int.certPem).serialNumber;
  const handshakeMaterial = await chain.material((await crlOf(chain.root, [])) + (await crlOf(chain.int, [])));

  /**
   * Open a connection per client, then sweep with the CRLs given; the names whose connection was
   * closed, and the reasons the closed (and the open) connections are marked with.
   */
  async function sweep(revokedByRoot: string[], revokedByInt: string[]): Promise<{ closed: number; names: string[]; marks: { closed: unknown[]; open: unknown[] } }> {
    const next = await chain.material((await crlOf(chain.root, revokedByRoot)) + (await crlOf(chain.int, revokedByInt)));
    const marks = { closed: [] as unknown[], open: [] as unknown[] };
    const swept = await sweepOpen(handshakeMaterial, chain.root.certPem, [alice, bob, carol, dave], (open) => {
      const closed = closeRevokedConnections(open, next);
      for (const socket of open) marks[socket.destroyed ? 'closed' : 'open'].push(cutReason(socket));
      return closed;
    });
    return { ...swept, marks };
  }

  it.each([
    ['nothing revoked', [], [], []],
    ['serial 0a01 of the intermediate: only its certificate (bob), not the root one with the same serial', [], ['0a01'], ['bob']],
    ['serial 0a01 of the root: only its certificate (alice)', ['0a01'], [], ['alice']],
    ['one client of the intermediate', [], ['0c02'], ['carol']],
    ['a client whose certificate spells its issuer otherwise (case, spacing)', [], ['0d03'], ['dave']],
    ['the intermediate itself, revoked by the root: every client below it', [intSerial], [], ['bob', 'carol', 'dave']],
  ])('%s', async (_label, byRoot: string[], byInt: string[], want: string[]) => {
    // Each connection closed is marked as cut for revocation, for its exchanges' records.
    const marks = { closed: want.map(() => 'revoked'), open: Array(4 - want.length).fill(undefined) };
    expect(await sweep(byRoot, byInt)).toEqual({ closed: want.length, names: want, marks });
  });

  it('decides on the certificate the identity was bound from, not on what the session shows now', async () => {
    // What a TLS 1.2 renegotiation to another valid certificate did before it was refused.
    const legacy = (p: Pair) => new X509Certificate(p.certPem).toLegacyObject();
    let current = legacy(bob);
    let destroyed = false;
    const socket = { getPeerCertificate: () => current, destroy: () => (destroyed = true) } as unknown as TLSSocket;
    expect(bindIdentity(socket).name).toBe('bob');
    current = legacy(carol);
    const next = await chain.material((await crlOf(chain.root, [])) + (await crlOf(chain.int, ['0a01'])));
    expect([closeRevokedConnections([socket], next), destroyed]).toEqual([1, true]);
  });

  it('closes a connection with no identity bound (it cannot be checked), and tells `closing` of each connection it closes', async () => {
    const legacy = new X509Certificate(bob.certPem).toLegacyObject();
    const destroyed: string[] = [];
    const unbound = { destroy: () => destroyed.push('unbound') } as unknown as TLSSocket;
    const bound = { getPeerCertificate: () => legacy, destroy: () => destroyed.push('bound') } as unknown as TLSSocket;
    bindIdentity(bound);
    const next = await chain.material((await crlOf(chain.root, [])) + (await crlOf(chain.int, ['0a01'])));
    const heard: (string | undefined)[] = [];
    expect(closeRevokedConnections([unbound, bound], next, (identity) => heard.push(identity?.name))).toBe(2);
    expect({ destroyed, heard }).toEqual({ destroyed: ['unbound', 'bound'], heard: [undefined, 'bob'] });
  });
});

describe('closeRevokedConnections, an intermediate with its root\'s name', async () => {
  // Root and intermediate are both "CN=dockgate CA root, O=dockgate": the intermediate's issuer
  // Name is its own, yet it is no root (its own key does not verify it).
  const chain = await makeChain('dockgate CA root');
  const ivan = await leaf(chain.int, 'ivan', '0e05');
  const judy = await leaf(chain.root, 'judy', '0f06');
  const intSerial = new X509Certificate(chain.int.certPem).serialNumber;
  // CRLs with the authority key identifier: OpenSSL tells the two CAs' CRLs apart by it.
  const handshake = await chain.material((await crlOf(chain.root, [], undefined, true)) + (await crlOf(chain.int, [], undefined, true)));

  it.each([
    ['nothing revoked', [], [], []],
    ['the intermediate, revoked by the root: its client (ivan), not the root\'s', [intSerial], [], ['ivan']],
    ['ivan\'s serial by the root: not ivan (the intermediate issued him)', ['0e05'], [], []],
    ['ivan\'s serial by the intermediate', [], ['0e05'], ['ivan']],
    ['judy\'s serial by the intermediate: not judy (the root issued her)', [], ['0f06'], []],
  ])('%s', async (_label, byRoot: string[], byInt: string[], want: string[]) => {
    const next = await chain.material((await crlOf(chain.root, byRoot, undefined, true)) + (await crlOf(chain.int, byInt, undefined, true)));
    expect(await sweepOpen(handshake, chain.root.certPem, [ivan, judy], (open) => closeRevokedConnections(open, next))).toEqual({ closed: want.length, names: want });
    // The sweep closes what OpenSSL refuses a new handshake for (TLS 1.2: the refusal is part of it).
    const server = await listen(next);
    try {
      for (const client of [ivan, judy]) await connect(server.port, chain.root.certPem, client, { maxVersion: 'TLSv1.2' }).then((s) => s.destroy(), () => {});
      expect(server.refused).toEqual(want.map(() => 'CERT_REVOKED'));
    } finally {
      await server.close();
    }
  });
});
