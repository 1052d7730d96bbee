/**
 * What hijack() sends the daemon: the client's header lines as sent (a header repeated stays
 * repeated: the BuildKit session lists its gRPC methods that way), and the body the gateway
 * read with its exact length, never framed in chunks the client did not send.
 */
import { describe, expect, it } from 'vitest';
import { hijack } from '../../../src/proxy/hijack.js';
import { clientPair, standInDaemon } from './hijack-stand-ins.js';

/** The head and body the stand-in daemon received for one upgrade request. */
async function sent(request: { method: string; rawHeaders: string[]; body?: Buffer }): Promise<string> {
  const daemon = await standInDaemon();
  const { client } = await clientPair();
  hijack(daemon.target, { target: '/v1.41/x', head: Buffer.alloc(0), answerHeaders: {}, ...request }, client, { onHeaders: () => undefined, onEnd: () => undefined });
  for (let i = 0; i < 200 && !(daemon.connections[0]?.received.includes('\r\n\r\n') && (request.body === undefined || daemon.connections[0].received.endsWith(request.body.toString('latin1')))); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  return daemon.connections[0]?.received ?? '';
}

const UPGRADE = ['Connection', 'Upgrade', 'Upgrade', 'tcp', 'Host', 'docker'];

describe('the request hijack() sends the daemon', () => {
  it.each([
    ['a POST without a length: Content-Length: 0, not chunked', { method: 'POST', rawHeaders: UPGRADE }, 'Content-Length: 0\r\n\r\n'],
    ['a POST with Content-Length: 0', { method: 'POST', rawHeaders: [...UPGRADE, 'Content-Length', '0'] }, 'Content-Length: 0\r\n\r\n'],
    ['a body the gateway read, sent chunked by the client', { method: 'POST', rawHeaders: [...UPGRADE, 'Transfer-Encoding', 'chunked'], body: Buffer.from('{"Detach":false}') }, 'Content-Length: 16\r\n\r\n{"Detach":false}'],
    ['a GET (websocket attach): no length at all', { method: 'GET', rawHeaders: UPGRADE }, 'Host: docker\r\n\r\n'],
  ])('%s', async (_name, request, tail) => {
    const received = await sent(request);
    expect(received.endsWith(tail), JSON.stringify(received)).toBe(true);
    expect(received.toLowerCase()).not.toContain('transfer-encoding');
    expect(received.match(/content-length/gi)?.length ?? 0).toBe(tail.includes('Content-Length') ? 1 : 0);
  });

  it('an HTTP/1.0 request without Host gets the Host Node writes on the request path (dockerd answered 400 without one)', async () => {
    const received = await sent({ method: 'POST', rawHeaders: ['Connection', 'Upgrade', 'Upgrade', 'tcp'] });
    expect(received).toMatch(/\r\nHost: localhost\r\n/);
    expect(received.match(/\r\nhost:/gi)).toHaveLength(1);
  });

  it('a Host the client sent is kept, and no second one added', async () => {
    const received = await sent({ method: 'POST', rawHeaders: UPGRADE });
    expect(received.match(/\r\nhost:/gi)).toHaveLength(1);
    expect(received).toContain('\r\nHost: docker\r\n');
  });

  it('keeps a header sent several times as several lines, in order', async () => {
    const rawHeaders = [...UPGRADE, 'X-Docker-Expose-Session-Grpc-Method', '/a/A', 'X-Docker-Expose-Session-Grpc-Method', '/b/B', 'Content-Length', '0'];
    const received = await sent({ method: 'POST', rawHeaders });
    expect(received).toContain('X-Docker-Expose-Session-Grpc-Method: /a/A\r\nX-Docker-Expose-Session-Grpc-Method: /b/B\r\n');
  });
});
