/**
 * The listener refuses TLS 1.2 renegotiation. The identity is bound once, at the first
 * handshake; a renegotiation could present another certificate under that identity.
 */
import { describe, expect, it } from 'vitest';
import { connect, crlOf, leaf, listen, makeChain } from './tls-chain.js';

describe('TLS renegotiation against the gateway TLS options', async () => {
  const chain = await makeChain();
  const alice = await leaf(chain.root, 'alice', '0c01');
  const material = await chain.material((await crlOf(chain.root, [])) + (await crlOf(chain.int, [])));

  it('a TLS 1.2 client that renegotiates is refused and the connection ends', async () => {
    let secureHandshakes = 0;
    const server = await listen(material, (socket) => {
      secureHandshakes += 1;
      socket.on('data', (d: Buffer) => socket.write(d)); // echo
    });
    try {
      const socket = await connect(server.port, chain.root.certPem, alice, { maxVersion: 'TLSv1.2' });
      expect(socket.getProtocol()).toBe('TLSv1.2');
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const outcome = await new Promise<string>((resolve) => {
        // Node reports the server's refusal as a socket error, not to the callback.
        socket.once('error', (err) => resolve(`refused: ${err.message}`));
        const started = socket.renegotiate({ rejectUnauthorized: true }, (err) => resolve(err ? `refused: ${err.message}` : 'renegotiated'));
        if (!started) resolve('not started');
        socket.write('ping'); // drives the new handshake
      });
      expect(outcome).toMatch(/^refused: .*no renegotiation/i);
      await closed;
      expect(secureHandshakes).toBe(1);
    } finally {
      await server.close();
    }
  });
});
