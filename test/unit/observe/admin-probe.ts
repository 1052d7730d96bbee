/**
 * A `GET /healthz` on an already open admin TLS connection, for the tests that check which open
 * connections the admin listener keeps serving (after a CRL or a CA change).
 */
import type { TLSSocket } from 'node:tls';

/** Send one GET /healthz on an open TLS connection; the answer's status line, or '' if it closed. */
export function askHealthz(socket: TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve('');
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n') && text.includes('{"status":"ok"}')) done(text.split('\r\n')[0] as string);
    };
    const onClose = () => done('');
    const done = (line: string) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(line);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });
}
