/**
 * `tls.crl` holding a CRL per CA of the chain (root + intermediate): every CRL of the file must
 * reach the TLS context, whatever their order, or OpenSSL's CRL_CHECK_ALL refuses every client
 * below the CA whose CRL was dropped (UNABLE_TO_GET_CRL).
 */
import { describe, expect, it } from 'vitest';
import { connect, crlOf, leaf, listen, makeChain } from './tls-chain.js';

/** The server's verdict on one handshake: 'accepted' or the OpenSSL verify code. */
async function verdict(material: Awaited<ReturnType<Awaited<ReturnType<typeof makeChain>>['material']>>, ca: string, client: Awaited<ReturnType<typeof leaf>>): Promise<string> {
  const server = await listen(material, (socket) => socket.end('ok'));
  try {
    const received = await new Promise<string>((resolve) => {
      let data = '';
      connect(server.port, ca, client).then(
        (socket) => {
          socket.on('data', (d: Buffer) => (data += d.toString()));
          socket.on('error', () => {});
          socket.on('close', () => resolve(data));
        },
        () => resolve(data),
      );
    });
    // The refusal is recorded when the server sees it; the client may notice first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return received === 'ok' ? 'accepted' : (server.refused[0] ?? 'refused');
  } finally {
    await server.close();
  }
}

describe('tls.crl with the CRLs of a root and an intermediate', async () => {
  const chain = await makeChain();
  const underInt = await leaf(chain.int, 'alice', '0a01');
  const revokedUnderInt = await leaf(chain.int, 'mallory', '0a02');
  const underRoot = await leaf(chain.root, 'bob', '0b01');
  const rootCrl = await crlOf(chain.root, []);
  const intCrl = await crlOf(chain.int, ['0a02']);

  it.each([
    ['root CRL first', rootCrl + intCrl],
    ['intermediate CRL first', intCrl + rootCrl],
  ])('%s: every CRL is loaded into the TLS context', async (_label, file) => {
    const material = await chain.material(file);
    expect(material.warnings).toEqual([]);
    expect({
      underInt: await verdict(material, chain.root.certPem, underInt),
      underRoot: await verdict(material, chain.root.certPem, underRoot),
      revokedUnderInt: await verdict(material, chain.root.certPem, revokedUnderInt),
    }).toEqual({ underInt: 'accepted', underRoot: 'accepted', revokedUnderInt: 'CERT_REVOKED' });
  });

  it('each CRL keeps its own issuer and serials', async () => {
    const material = await chain.material(rootCrl + intCrl);
    expect(material.crls.map((c) => c.issuer)).toEqual([chain.root.cert.subject, chain.int.cert.subject]);
    // Each by the CA that signed it: the bundle holds the intermediate, then the root.
    expect(material.revocations.map((r) => [material.caNames.findIndex((ca) => ca.ca === r.ca), [...r.serials]])).toEqual([
      [1, []],
      [0, ['a02']],
    ]);
  });
});
