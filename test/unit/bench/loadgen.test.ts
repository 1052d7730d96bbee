/**
 * bench/loadgen.c against a tiny local HTTP/1.1 server whose answers are known: every figure the
 * bench's checks trust (status histogram, errors, body bytes and per-response sizes, sha256,
 * the Ids 201 bodies named, connections opened, bytes after a new connection's answer, TLS sessions resumed, held streams and the data they received, the
 * demultiplexed stdout of a hijack, resets, statuses outside 0-599, bytes past a body, conflicting
 * framing headers, an oversized request head) is asserted here, so a miscounting load generator cannot make
 * a broken target look right. Plain TCP and TLS with a client certificate. No timing is asserted.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TLSSocket, createSecureContext, createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCertsCommand } from '../../../src/pki/cli.js';
import { captureIo } from '../pki/helpers.js';

/** What the load generator prints (bench/loadgen.c, the JSON on stdout). */
interface LoadResult {
  completed: number;
  warmed: number;
  errors: number;
  established: number;
  streamed: number;
  connections: number;
  resumed: number;
  undrained: number;
  body_bytes: number;
  body_min: number;
  body_max: number;
  bytes_sent: number;
  sha256: string;
  first_error: string;
  status: Record<string, number>;
}

const dir = mkdtempSync(join(tmpdir(), 'dockgate-loadgen-'));
const binary = join(dir, 'loadgen');
const pki = join(dir, 'pki');
const stdin = join(dir, 'stdin.bin');
const stdinBytes = randomBytes(300_000);
writeFileSync(stdin, stdinBytes);
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The Ids the /created answers named, in order (a new one per answer). */
const createdIds: string[] = [];
/** A create answer as dockerd gives it, naming a fresh Id. */
function createdBody(): string {
  const id = randomBytes(32).toString('hex');
  createdIds.push(id);
  return `{"Id":"${id}","Warnings":[]}\n`;
}

/** Per-server state: how many /sizes answers so far, /stagger connections, the held /events sockets. */
let sizesServed = 0;
let staggerConnections = 0;
const staggerState = new WeakMap<Socket, { nth: number; served: number }>();
const held: Socket[] = [];
/** The name the /events-named stream's one event carries (as the bench's tag of this run). */
const eventName = 'bench-idle-0123456789abcdef';
/** TLS sockets of the reset server and the TCP sockets under them, to reset the connection. */
const rawOf = new WeakMap<Socket, Socket>();
const namedEvent = `{"Action":"tag","Actor":{"Attributes":{"name":"${eventName}:e0"}}}\n`;
const namedChunk = Buffer.from(`${Buffer.byteLength(namedEvent).toString(16)}\r\n${namedEvent}\r\n`);
const namedCut = namedChunk.indexOf(eventName) + 10;

const head = (status: string, headers: string[]) => `HTTP/1.1 ${status}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

/** Answer one request on `sock` by its path; returns false when the connection must not be read further. */
function answer(sock: Socket, method: string, path: string): boolean {
  switch (path) {
    case '/ok':
      sock.write(head('200 OK', ['Content-Length: 2']) + 'OK');
      return true;
    case '/fail':
      sock.write(head('500 Internal Server Error', ['Content-Length: 5']) + 'error');
      return true;
    case '/sizes':
      sizesServed += 1;
      sock.write(head('200 OK', ['Content-Length: ' + (sizesServed % 2 ? 2 : 40)]) + (sizesServed % 2 ? 'OK' : 'x'.repeat(40)));
      return true;
    case '/chunked':
      sock.write(head('200 OK', ['Transfer-Encoding: chunked']) + '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n');
      return true;
    case '/cut-length':
      sock.end(head('200 OK', ['Content-Length: 10']) + 'OKOK');
      return false;
    case '/cut-chunked':
      sock.end(head('200 OK', ['Transfer-Encoding: chunked']) + '5\r\nhello\r\n');
      return false;
    case '/close':
      sock.end(head('200 OK', ['Content-Length: 2', 'Connection: close']) + 'OK');
      return false;
    case '/no-head':
      sock.end();
      return false;
    case '/stagger': {
      // Every second connection's first answer comes 400 ms late; a connection idle for 150 ms
      // is closed (as a server's keep-alive timeout does, e.g. Node's 5 s).
      let st = staggerState.get(sock);
      if (!st) {
        st = { nth: ++staggerConnections, served: 0 };
        staggerState.set(sock, st);
      }
      const delay = st.served === 0 && st.nth % 2 === 0 ? 400 : 0;
      st.served += 1;
      setTimeout(() => {
        if (!sock.writable) return;
        sock.write(head('200 OK', ['Content-Length: 2']) + 'OK');
        // Idle from its first answer on: closed after 150 ms without a request.
        sock.setTimeout(150, () => sock.destroy());
      }, delay);
      return true;
    }
    case '/events-length':
      sock.write(head('200 OK', ['Content-Length: 0']));
      return true;
    case '/events':
      sock.write(head('200 OK', ['Transfer-Encoding: chunked']));
      held.push(sock);
      // One event a little later, as a daemon's /events sends when something happens.
      setTimeout(() => sock.writable && sock.write('3\r\n{}\n\r\n'), 100);
      return true;
    case '/events-named':
      // A heartbeat at once, then an event naming eventName, the name split across two writes.
      sock.write(head('200 OK', ['Transfer-Encoding: chunked']) + '3\r\n{}\n\r\n');
      held.push(sock);
      setTimeout(() => sock.writable && sock.write(namedChunk.subarray(0, namedCut)), 100);
      setTimeout(() => sock.writable && sock.write(namedChunk.subarray(namedCut)), 200);
      return true;
    case '/extra':
      // Two bytes more than declared, in the same write.
      sock.write(head('200 OK', ['Content-Length: 2']) + 'OKXY');
      return true;
    case '/extra-later':
      // Two bytes past the body, in a write of their own a little after the answer.
      sock.write(head('200 OK', ['Content-Length: 2']) + 'OK');
      setTimeout(() => sock.writable && sock.write('XY'), 20);
      return true;
    case '/extra-chunked':
      sock.write(head('200 OK', ['Transfer-Encoding: chunked']) + '2\r\nOK\r\n0\r\n\r\nXY');
      return true;
    case '/length-then-chunked':
      sock.write(head('200 OK', ['Content-Length: 2', 'Transfer-Encoding: chunked']) + '2\r\nOK\r\n0\r\n\r\n');
      return true;
    case '/chunked-then-length':
      sock.write(head('200 OK', ['Transfer-Encoding: chunked', 'Content-Length: 7']) + '2\r\nOK\r\n0\r\n\r\n');
      return true;
    case '/two-lengths':
      sock.write(head('200 OK', ['Content-Length: 2', 'Content-Length: 4']) + 'OKOK');
      return true;
    case '/created': {
      const body = createdBody();
      sock.write(head('201 Created', [`Content-Length: ${body.length}`]) + body);
      return true;
    }
    case '/created-chunked': {
      // The Id split across two chunks, and spaces around the colon.
      const body = createdBody().replace('"Id":', '"Id" : ');
      const cut = body.indexOf('"Id"') + 20;
      const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
      sock.write(head('201 Created', ['Transfer-Encoding: chunked']) + chunk(body.slice(0, cut)) + chunk(body.slice(cut)) + '0\r\n\r\n');
      return true;
    }
    case '/created-no-id':
      sock.write(head('201 Created', ['Content-Length: 17']) + '{"Warnings":null}');
      return true;
    case '/s700':
      sock.write(head('700 Nope', ['Content-Length: 2']) + 'OK');
      return true;
    case '/reset-eof': {
      // A body framed by the end of the connection, cut by a reset (RST, no close_notify).
      sock.write(head('200 OK', ['Connection: close']) + 'half of it');
      const raw = rawOf.get(sock);
      setTimeout(() => (raw ?? sock).resetAndDestroy(), 50);
      return false;
    }
    case '/events-silent':
      sock.write(head('200 OK', ['Transfer-Encoding: chunked']));
      held.push(sock);
      return true;
    default:
      sock.end(head('404 Not Found', ['Content-Length: 0']));
      return method !== '';
  }
}

/**
 * A hijacked `POST /exec`: 101, then each stdin piece echoed back as a Docker stdout frame (split
 * across writes), with a stderr frame in between that must not count; closes once all stdin is back.
 */
function tunnel(sock: Socket, first: Buffer): void {
  sock.write(head('101 UPGRADED', ['Connection: Upgrade', 'Upgrade: tcp', 'Content-Type: application/vnd.docker.raw-stream']));
  let echoed = 0;
  const frame = (stream: number, data: Buffer) => {
    const h = Buffer.alloc(8);
    h[0] = stream;
    h.writeUInt32BE(data.length, 4);
    return Buffer.concat([h, data]);
  };
  const echo = (data: Buffer) => {
    if (!data.length) return;
    const f = Buffer.concat([frame(1, data), frame(2, Buffer.from('noise'))]);
    // The frame header split over two writes.
    sock.write(f.subarray(0, 3));
    sock.write(f.subarray(3));
    echoed += data.length;
    if (echoed >= stdinBytes.length) sock.end();
  };
  echo(first);
  sock.on('data', echo);
}

function serve(sock: Socket): void {
  let buf = Buffer.alloc(0);
  const onData = (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString().split('\r\n');
      const [method = '', path = ''] = (lines[0] ?? '').split(' ');
      const length = Number(lines.find((l) => /^content-length:/i.test(l))?.split(':')[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const rest = buf.subarray(end + 4 + length);
      buf = Buffer.alloc(0);
      if (path === '/exec') {
        sock.off('data', onData);
        tunnel(sock, rest);
        return;
      }
      buf = rest;
      if (!answer(sock, method, path)) {
        sock.off('data', onData);
        return;
      }
    }
  };
  sock.on('data', onData);
  sock.on('error', () => {});
}

let plain: Server;
let tls: Server;
let resetting: Server;
let plainPort = 0;
let tlsPort = 0;
let resetPort = 0;

async function certs(...argv: string[]): Promise<void> {
  const c = captureIo();
  const code = await runCertsCommand(argv, c.io);
  if (code !== 0) throw new Error(`certs ${argv.join(' ')}: ${c.err()}`);
}

function listen(server: Server): Promise<number> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)));
}

beforeAll(async () => {
  const cc = spawnSync('cc', ['-O2', '-Wall', '-o', binary, resolve('bench/loadgen.c'), '-lssl', '-lcrypto'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`compiling bench/loadgen.c failed (needs cc and libssl-dev):\n${cc.stderr}`);
  await certs('init', '--dir', pki, '--host', '127.0.0.1');
  await certs('issue', 'client', '--dir', pki);
  plain = createServer(serve);
  tls = createTlsServer(
    { ca: readFileSync(join(pki, 'ca.pem')), cert: readFileSync(join(pki, 'server-cert.pem')), key: readFileSync(join(pki, 'server-key.pem')), requestCert: true, rejectUnauthorized: true },
    serve,
  );
  // TLS over a TCP socket this process holds, so that it can reset the connection under TLS.
  const secureContext = createSecureContext({ ca: readFileSync(join(pki, 'ca.pem')), cert: readFileSync(join(pki, 'server-cert.pem')), key: readFileSync(join(pki, 'server-key.pem')) });
  resetting = createServer((raw) => {
    raw.on('error', () => {});
    const sock = new TLSSocket(raw, { isServer: true, secureContext, requestCert: true, rejectUnauthorized: true });
    rawOf.set(sock, raw);
    serve(sock);
  });
  plainPort = await listen(plain);
  tlsPort = await listen(tls);
  resetPort = await listen(resetting);
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await Promise.all([plain, tls, resetting].map((s) => new Promise((done) => s?.close(done))));
  rmSync(dir, { recursive: true, force: true });
});

/** Run the load generator (asynchronously: the server answers from this process). */
function load(args: string[], { useTls = false, port = 0 } = {}): Promise<{ r: LoadResult; stderr: string }> {
  const client = join(pki, 'clients', 'client');
  const conn = useTls
    ? ['--port', String(port || tlsPort), '--tls', '--ca', join(client, 'ca.pem'), '--cert', join(client, 'cert.pem'), '--key', join(client, 'key.pem')]
    : ['--port', String(plainPort)];
  return new Promise((done, fail) => {
    execFile(binary, [...conn, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`${err.message}\n${stderr}`));
      done({ r: JSON.parse(stdout) as LoadResult, stderr });
    });
  });
}

describe('bench/loadgen.c against known answers', () => {
  it('keep-alive: counts 200s, one connection per client, every body size', async () => {
    const { r, stderr } = await load(['--path', '/ok', '-c', '3', '-n', '30']);
    expect(r.completed).toBeGreaterThanOrEqual(30);
    expect(r.status).toEqual({ '200': r.completed });
    expect(r.errors).toBe(0);
    expect(r.connections).toBe(3);
    expect([r.body_min, r.body_max, r.body_bytes]).toEqual([2, 2, 2 * r.completed]);
    expect(stderr).toBe('ready\n');
  });

  it('server errors are counted as what they are', async () => {
    const { r } = await load(['--path', '/fail', '-n', '4']);
    expect(r.status).toEqual({ '500': 4 });
    expect(r.body_bytes).toBe(20);
  });

  it('bodies of different sizes show as the smallest and largest', async () => {
    const { r } = await load(['--path', '/sizes', '-n', '6']);
    expect([r.body_min, r.body_max, r.body_bytes]).toEqual([2, 40, 3 * 2 + 3 * 40]);
  });

  it('chunked bodies (extensions, trailers) are counted and hashed without their framing', async () => {
    const { r } = await load(['--path', '/chunked', '-n', '1', '--sha256']);
    expect(r.status).toEqual({ '200': 1 });
    expect([r.body_bytes, r.body_min, r.body_max]).toEqual([11, 11, 11]);
    expect(r.sha256).toBe(sha('hello world'));
  });

  it.each([
    ['/cut-length', 'read body'],
    ['/cut-chunked', 'read body'],
    ['/no-head', 'eof before response head'],
  ])('a connection closed inside %s is an error, not an answer', async (path, why) => {
    const { r } = await load(['--path', path, '-n', '1', '-d', '0.2']);
    expect(r.completed).toBe(0);
    expect(r.errors).toBeGreaterThanOrEqual(1);
    expect(r.first_error).toContain(why);
  });

  it('a reset over TLS ends an answer framed by the end of the connection as an error, and the run goes on', async () => {
    // Without SIGPIPE ignored the close_notify written to the reset connection killed the load
    // generator (exit 141, no output); without errno checked the reset read as the body's end.
    const { r } = await load(['--path', '/reset-eof', '-n', '3', '-d', '0.5'], { useTls: true, port: resetPort });
    expect(r.completed).toBe(0);
    expect(r.status).toEqual({});
    expect(r.errors).toBeGreaterThanOrEqual(1);
    expect(r.first_error).toContain('read body');
  });

  it.each([['/created'], ['/created-chunked']])('--ids: %s writes the Id each 201 named, one per line, warm requests included', async (path) => {
    const ids = join(dir, 'ids');
    const before = createdIds.length;
    const { r } = await load(['--path', path, '--method', 'POST', '-c', '2', '-n', '5', '--warm', '--ids', ids]);
    const answered = r.status['201'] ?? 0;
    expect(answered).toBe(r.completed + r.warmed);
    const written = readFileSync(ids, 'utf8').split('\n');
    expect(written.pop()).toBe('');
    expect(written.sort()).toEqual(createdIds.slice(before).sort());
    expect(written).toHaveLength(answered);
  });

  it('--ids: a 201 without an Id is an empty line, and answers other than 201 write none', async () => {
    const ids = join(dir, 'ids-none');
    await load(['--path', '/created-no-id', '--method', 'POST', '-n', '2', '--ids', ids]);
    expect(readFileSync(ids, 'utf8')).toBe('\n\n');
    await load(['--path', '/ok', '-n', '2', '--ids', ids]);
    expect(readFileSync(ids, 'utf8')).toBe('');
  });

  it('statuses outside 0-599 are counted as "other", not dropped', async () => {
    const { r } = await load(['--path', '/s700', '-n', '5']);
    expect(r.completed).toBeGreaterThanOrEqual(5);
    expect(r.status).toEqual({ other: r.completed });
    expect(r.errors).toBe(0);
  });

  it.each([
    ['/extra', 'bytes after the end of the response body'],
    ['/extra-chunked', 'bytes after the end of the response body'],
    ['/length-then-chunked', 'both Content-Length and Transfer-Encoding: chunked'],
    ['/chunked-then-length', 'both Content-Length and Transfer-Encoding: chunked'],
    ['/two-lengths', 'Content-Length headers that differ'],
  ])('%s: an answer framed wrongly is an error, not an answer', async (path, why) => {
    // Before: the bytes past the body were dropped with the buffer, and the later of the two
    // framing headers won; every one of these counted as a good 200.
    const { r } = await load(['--path', path, '-n', '2', '-d', '0.3']);
    expect(r.completed).toBe(0);
    expect(r.status).toEqual({});
    expect(r.errors).toBeGreaterThanOrEqual(1);
    expect(r.first_error).toContain(why);
  });

  it('a request head longer than the buffer is refused before anything is sent', async () => {
    // Before: the head was built past the end of its 8 KiB buffer (the path of 9000 bytes).
    const path = `/${'a'.repeat(9000)}`;
    const run = spawnSync(binary, ['--port', String(plainPort), '--path', path, '-n', '1'], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('path 9001 bytes) is longer than 8191 bytes');
  });

  it('keep-alive answered with Connection: close: every request shows as a new connection', async () => {
    const { r } = await load(['--path', '/close', '-n', '10']);
    expect(r.status).toEqual({ '200': 10 });
    expect(r.connections).toBe(10);
  });

  it('new-connection mode over TLS: one connection and full handshake per request', async () => {
    const { r } = await load(['--mode', 'newconn', '--path', '/ok', '-c', '2', '-n', '8'], { useTls: true });
    expect(r.status['200']).toBe(r.completed);
    expect(r.completed).toBeGreaterThanOrEqual(8);
    expect(r.connections).toBe(r.completed);
    expect(r.resumed).toBe(0);
    // Each connection drained after its answer: nothing more came, none cut short.
    expect([r.errors, r.undrained]).toEqual([0, 0]);
  });

  it.each([[false], [true]])('new-connection mode (TLS: %s): a server that closes after its answer drains cleanly', async (useTls) => {
    const { r } = await load(['--mode', 'newconn', '--path', '/close', '-c', '2', '-n', '6'], { useTls });
    expect(r.status['200']).toBe(r.completed);
    expect([r.errors, r.undrained]).toEqual([0, 0]);
  });

  it.each([[false], [true]])('new-connection mode (TLS: %s): bytes written after the answer, on their own, are errors', async (useTls) => {
    // Before: the connection was closed as soon as the answer was complete, the bytes never read.
    // A drain far longer than the 20 ms the bytes come after: it ends at the first byte, and a
    // loaded machine firing the fake's timer late does not make them arrive after the drain.
    const { r } = await load(['--mode', 'newconn', '--path', '/extra-later', '-c', '2', '-n', '4', '--drain', '10'], { useTls });
    expect(r.completed).toBeGreaterThanOrEqual(4);
    expect(r.errors).toBe(r.completed);
    expect(r.first_error).toContain('bytes after the response, on a new connection');
  });

  it('--warm: each connection answers before timing starts, and keeps its connection', async () => {
    const { r, stderr } = await load(['--path', '/ok', '-c', '4', '-d', '0.3', '--warm'], { useTls: true });
    // At least one untimed request per connection (those that are done early keep going until all are).
    expect(r.warmed).toBeGreaterThanOrEqual(4);
    expect(r.connections).toBe(4);
    expect(r.resumed).toBe(0);
    expect(r.status['200']).toBe(r.completed + r.warmed);
    expect(stderr).toBe('ready\n');
  });

  it('--warm: a connection that is warm first is kept busy, not left to time out while another is slow', async () => {
    const { r } = await load(['--path', '/stagger', '-c', '2', '-d', '0.2', '--warm']);
    expect([r.connections, r.errors]).toEqual([2, 0]);
    expect(r.completed).toBeGreaterThan(0);
  });

  it('--warm on a target that closes after each answer: more connections than clients', async () => {
    const { r } = await load(['--path', '/close', '-c', '2', '-d', '0.2', '--warm']);
    expect(r.warmed).toBe(2);
    expect(r.connections).toBe(2 + r.completed);
  });

  it('hold: a complete answer (Content-Length: 0) is not a stream', async () => {
    const { r } = await load(['--mode', 'hold', '--path', '/events-length', '-c', '3', '-d', '0.2']);
    expect(r.established).toBe(0);
    expect(r.errors).toBe(3);
    expect(r.first_error).toContain('not a stream');
  });

  it('hold --await-data: every held stream receives its event', async () => {
    const { r, stderr } = await load(['--mode', 'hold', '--path', '/events', '-c', '3', '-d', '0', '--await-data'], { useTls: true });
    expect([r.established, r.streamed, r.errors]).toEqual([3, 3, 0]);
    expect(stderr).toBe('ready\n');
  });

  it('hold --await-match: only data containing the name counts, also when it is split across reads', async () => {
    const named = await load(['--mode', 'hold', '--path', '/events-named', '-c', '3', '-d', '0', '--await-data', '--await-match', eventName], { useTls: true });
    expect([named.r.established, named.r.streamed, named.r.errors]).toEqual([3, 3, 0]);
    // The /events stream's only event does not name it: held, but not streamed.
    const other = await load(['--mode', 'hold', '--path', '/events', '-c', '2', '-d', '0.3', '--await-match', eventName]);
    expect([other.r.established, other.r.streamed, other.r.errors]).toEqual([2, 0, 0]);
  });

  it('hold: streams that never send anything are held but not counted as streamed', async () => {
    const { r } = await load(['--mode', 'hold', '--path', '/events-silent', '-c', '2', '-d', '0.2']);
    expect([r.established, r.streamed, r.errors]).toEqual([2, 0, 0]);
  });

  it('upgrade: stdin goes through, only the demultiplexed stdout is counted and hashed', async () => {
    const { r } = await load(['--mode', 'upgrade', '--method', 'POST', '--path', '/exec', '--body-file', stdin, '-n', '1', '--sha256'], { useTls: true });
    expect(r.status).toEqual({ '101': 1 });
    expect(r.errors).toBe(0);
    expect(r.body_bytes).toBe(stdinBytes.length);
    expect(r.sha256).toBe(sha(stdinBytes));
  });
});

/** bench/lib/scenarios.mjs's check of the status histogram. */
type StatusProblems = (r: Pick<LoadResult, 'completed' | 'warmed' | 'errors' | 'first_error' | 'status'>, expected: number) => string[];

describe('statusProblems (bench/lib/scenarios.mjs)', () => {
  const base = { warmed: 0, errors: 0, first_error: '' };
  it.each([
    ['every answer a 200', { ...base, completed: 5, status: { '200': 5 } }, []],
    ['warm answers counted too', { ...base, completed: 5, warmed: 2, status: { '200': 7 } }, []],
    ['a status outside 0-599', { ...base, completed: 5, status: { other: 5 } }, ['5 answers with status other, expected 200']],
    ['answers with no status counted', { ...base, completed: 5, status: {} }, ['0 statuses counted for 5 answers']],
    ['fewer statuses than answers', { ...base, completed: 5, warmed: 2, status: { '200': 5 } }, ['5 statuses counted for 7 answers']],
  ])('%s', async (_name, r, problems) => {
    const mod = (await import(pathToFileURL(resolve('bench/lib/scenarios.mjs')).href)) as { statusProblems: StatusProblems };
    expect(mod.statusProblems(r, 200)).toEqual(problems);
  });
});
