/**
 * hijack() when the client goes before the daemon's 101 (it left, or the gateway cut it:
 * revocation, shutdown): the exchange ends at once, and no session is opened behind a dead
 * client. The daemon is a stand-in unix-socket server that answers an upgrade only when a test
 * says so; the client is the server side of a real TCP connection.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GONE_BEFORE_ANSWER, hijack } from '../../../src/proxy/hijack.js';
import { clientPair, sleep, standInDaemon } from './hijack-stand-ins.js';

const request = { method: 'POST', target: '/v1.41/containers/x/attach?stream=1&stdin=1', rawHeaders: ['Connection', 'Upgrade', 'Upgrade', 'tcp', 'Host', 'docker'], head: Buffer.alloc(0), answerHeaders: {} };

describe('hijack when the client goes before the upgrade', () => {
  it('a client cut while waiting for the 101: the exchange ends, the daemon request is dropped, a late 101 opens nothing', async () => {
    const daemon = await standInDaemon();
    const { client } = await clientPair();
    const ends: { error?: string }[] = [];
    const statuses: number[] = [];
    hijack(daemon.target, request, client, { onHeaders: (s) => statuses.push(s), onEnd: (r) => ends.push(r) });
    for (let i = 0; i < 1000 && !daemon.connections[0]?.received.includes('\r\n\r\n'); i++) await sleep(10);
    expect(daemon.connections).toHaveLength(1);
    client.destroy();
    for (let i = 0; i < 1000 && ends.length === 0; i++) await sleep(10);
    expect(ends).toEqual([{ bytesIn: 0, bytesOut: 0, error: 'client connection closed before the upgrade completed' }]);
    for (let i = 0; i < 1000 && !daemon.connections[0]?.closed; i++) await sleep(10);
    expect(daemon.connections[0]?.closed).toBe(true);
    daemon.answer101(daemon.connections[0] as { socket: Socket });
    await sleep(50);
    expect(statuses).toEqual([]);
    expect(ends).toHaveLength(1);
  });

  it('a client that resets while waiting for the 101: the client left, not a 502 for an unreachable daemon', async () => {
    const daemon = await standInDaemon();
    const { client, peer } = await clientPair();
    const ends: { error?: string }[] = [];
    const statuses: number[] = [];
    hijack(daemon.target, request, client, { onHeaders: (s) => statuses.push(s), onEnd: (r) => ends.push(r) });
    for (let i = 0; i < 1000 && !daemon.connections[0]?.received.includes('\r\n\r\n'); i++) await sleep(10);
    peer.resetAndDestroy();
    for (let i = 0; i < 1000 && ends.length === 0; i++) await sleep(10);
    expect(ends).toEqual([{ bytesIn: 0, bytesOut: 0, error: GONE_BEFORE_ANSWER }]);
    expect(statuses).toEqual([]);
  });

  it('a client that half-closes after sending its stdin, before the 101: the stdin goes after the 101, in order, then the daemon side ends, and the output still reaches the client', async () => {
    const daemon = await standInDaemon();
    const { client, peer } = await clientPair();
    // As the gateway's upgrade handler leaves it: paused and half-open.
    client.pause();
    client.allowHalfOpen = true;
    const ends: { bytesIn: number; bytesOut: number; error?: string }[] = [];
    let seen = '';
    peer.on('data', (d: Buffer) => (seen += d.toString('latin1')));
    // All of its stdin came with the request (in `head`): its end is read with nothing left to read.
    hijack(daemon.target, { ...request, head: Buffer.from('early-stdin') }, client, { onHeaders: () => undefined, onEnd: (r) => ends.push(r) });
    peer.end();
    for (let i = 0; i < 1000 && !daemon.connections[0]?.received.includes('\r\n\r\n'); i++) await sleep(10);
    for (let i = 0; i < 1000 && !client.readableEnded; i++) await sleep(10);
    expect(client.readableEnded).toBe(true);
    const upstream = daemon.connections[0] as { socket: Socket; received: string };
    let daemonEnded = false;
    // dockerd keeps writing after the end of stdin.
    upstream.socket.allowHalfOpen = true;
    upstream.socket.on('end', () => (daemonEnded = true));
    expect(upstream.received.endsWith('\r\n\r\n')).toBe(true);
    daemon.answer101(upstream);
    for (let i = 0; i < 1000 && !daemonEnded; i++) await sleep(10);
    expect(upstream.received.slice(upstream.received.indexOf('\r\n\r\n') + 4)).toBe('early-stdin');
    expect(daemonEnded).toBe(true);
    upstream.socket.end('output');
    for (let i = 0; i < 1000 && ends.length === 0; i++) await sleep(10);
    // The client's side reads what the gateway wrote in its own time: the end of the exchange
    // can come first (a loaded machine).
    for (let i = 0; i < 1000 && !seen.endsWith('output'); i++) await sleep(10);
    expect(seen).toMatch(/^HTTP\/1\.1 101 UPGRADED\r\n[^]*\r\n\r\noutput$/);
    expect(ends).toHaveLength(1);
    expect(ends[0]?.error).toBeUndefined();
  });

  it('a client already gone when the hijack starts: nothing is sent to the daemon', async () => {
    const daemon = await standInDaemon();
    const { client } = await clientPair();
    client.destroy();
    const ends: { error?: string }[] = [];
    hijack(daemon.target, request, client, { onHeaders: () => undefined, onEnd: (r) => ends.push(r) });
    expect(ends).toEqual([{ bytesIn: 0, bytesOut: 0, error: 'client connection closed before the upgrade was sent' }]);
    await sleep(100);
    expect(daemon.connections).toHaveLength(0);
  });

  it('a client that stays gets its tunnel after the 101, and the end is reported once (sanity)', async () => {
    const daemon = await standInDaemon();
    const { client, peer } = await clientPair();
    const ends: { bytesIn: number; bytesOut: number }[] = [];
    const statuses: number[] = [];
    let seen = '';
    peer.on('data', (d: Buffer) => (seen += d.toString('latin1')));
    hijack(daemon.target, request, client, { onHeaders: (s) => statuses.push(s), onEnd: (r) => ends.push(r) });
    for (let i = 0; i < 1000 && !daemon.connections[0]?.received.includes('\r\n\r\n'); i++) await sleep(10);
    const upstream = daemon.connections[0] as { socket: Socket };
    daemon.answer101(upstream);
    for (let i = 0; i < 1000 && !seen.includes('\r\n\r\n'); i++) await sleep(10);
    expect(seen).toMatch(/^HTTP\/1\.1 101 UPGRADED\r\n/);
    upstream.socket.write('hello');
    for (let i = 0; i < 1000 && !seen.endsWith('hello'); i++) await sleep(10);
    peer.destroy();
    for (let i = 0; i < 1000 && ends.length === 0; i++) await sleep(10);
    expect(statuses).toEqual([101]);
    expect(ends).toHaveLength(1);
    expect(ends[0]?.bytesOut).toBe(seen.length);
  });
});
