/**
 * The Docker API listener's answers carry their request's id, added as the head is written
 * (gateway-response.ts): in every way the gateway writes a head, and without leaving a header
 * table on the answer, so a relayed head keeps the daemon's repeated headers.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendDockerError } from '../../../src/http/docker-error.js';
import { GatewayResponse } from '../../../src/server/gateway-response.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** One answer of a server whose answers are GatewayResponses with id `id-1`, written by `write`; resolves the client's view and the header names left on the server's answer. */
async function answer(write: (res: GatewayResponse) => void): Promise<{ res: IncomingMessage; body: string; left: string[] }> {
  let left: string[] = [];
  const server = createServer({ ServerResponse: GatewayResponse }, (_req, res: ServerResponse) => {
    const answer = res as GatewayResponse;
    answer.requestId = 'id-1';
    write(answer);
    left = answer.getHeaderNames();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => resolve({ res, body, left }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The raw header lines of an answer, `Name: value`. */
function lines(res: IncomingMessage): string[] {
  const out: string[] = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) out.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return out;
}

describe('GatewayResponse', () => {
  it('a relayed head (a flat list) keeps repeated names, gets the id last, and leaves no header table', async () => {
    const { res, left } = await answer((r) => {
      r.writeHead(200, 'OK', ['Api-Version', '1.41', 'X-Repeated', 'a', 'X-Repeated', 'b', 'Content-Length', '0']);
      r.end();
    });
    expect(lines(res).filter((l) => !/^(Date|Connection|Keep-Alive):/.test(l))).toEqual(['Api-Version: 1.41', 'X-Repeated: a', 'X-Repeated: b', 'Content-Length: 0', 'X-Dockgate-Request-Id: id-1']);
    expect(left).toEqual([]);
  });

  it('a head of [name, value] pairs gets the id as one more pair', async () => {
    const { res } = await answer((r) => {
      r.writeHead(200, [['Content-Length', '2']] as unknown as string[]);
      r.end('ok');
    });
    expect(res.headers['x-dockgate-request-id']).toBe('id-1');
  });

  it("the gateway's own answers (an object of headers, or none) carry the id first", async () => {
    const refused = await answer((r) => sendDockerError(r, 403, 'no'));
    expect(refused.res.statusCode).toBe(403);
    expect(lines(refused.res)[0]).toBe('X-Dockgate-Request-Id: id-1');
    expect(refused.res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(refused.body)).toEqual({ message: 'no' });
    const implicit = await answer((r) => r.end('done'));
    expect(lines(implicit.res)[0]).toBe('X-Dockgate-Request-Id: id-1');
    expect(implicit.body).toBe('done');
  });

  it('joins headers set beforehand, and does not replace an id set by hand', async () => {
    const set = await answer((r) => {
      r.setHeader('X-Other', 'x');
      r.writeHead(204);
      r.end();
    });
    expect(set.res.headers['x-other']).toBe('x');
    expect(set.res.headers['x-dockgate-request-id']).toBe('id-1');
    const own = await answer((r) => {
      r.setHeader('X-Dockgate-Request-Id', 'mine');
      r.end();
    });
    expect(own.res.headers['x-dockgate-request-id']).toBe('mine');
  });

  it('takes the headers as Node does when the status message is given as undefined', async () => {
    // relayResponse passes the daemon's statusMessage, typed string | undefined: Node then reads
    // the third argument as the headers.
    const { res, body } = await answer((r) => {
      r.writeHead(200, undefined as unknown as string, ['Content-Length', '2', 'X-A', '1']);
      r.end('ok');
    });
    expect(res.headers['x-a']).toBe('1');
    expect(res.headers['x-dockgate-request-id']).toBe('id-1');
    expect(body).toBe('ok');
  });

  it('writes no id when none was set', async () => {
    const { res } = await answer((r) => {
      r.requestId = undefined;
      r.end();
    });
    expect(res.headers['x-dockgate-request-id']).toBeUndefined();
  });
});
