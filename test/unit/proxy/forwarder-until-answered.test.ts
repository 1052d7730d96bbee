/**
 * A client that leaves a request holding something until the daemon has acted
 * (ForwardHooks.untilAnswered): what the stand-in daemon sees of its connection, and when (and
 * how) the wait is settled. A stream (`toTheEnd`: a build, a pull, an import writing tags) is
 * settled when the daemon's answer has ended, and its daemon connection is half-closed so that
 * dockerd sees the client go; a request not handed over whole is cut off and settled once its
 * daemon connection has closed.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { whenSocketCloses } from '../../../src/http/socket-close.js';
import type { DaemonSide } from '../../../src/proxy/forward-hooks.js';
import { until } from '../../e2e/support/until.js';
import { forwarderRig } from './forwarder-rig.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const BODY = 'x'.repeat(1000);
const STREAM_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';

/** What the stand-in daemon does once it has the whole body. */
type Daemon =
  /** Streams a head and a piece at once, and ends the answer when the gateway half-closes. */
  | 'stream-then-end-at-fin'
  /** Says nothing until the gateway half-closes, then answers whole (dockerd's import from `-`). */
  | 'answer-at-fin'
  /** Answers 201 half a second later (the client has left by then), whatever the connection (a create, a commit). */
  | 'answer-later'
  /** Closes the connection without an answer when the gateway half-closes. */
  | 'close-at-fin';

async function setup(daemon: Daemon, toTheEnd: boolean): Promise<{ port: number; log: string[] }> {
  const log: string[] = [];
  const { port } = await forwarderRig(
    cleanups,
    (s) => {
      let got = '';
      let whole = false;
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        const at = got.indexOf('\r\n\r\n');
        if (whole || at < 0 || got.length - at - 4 < BODY.length) return;
        whole = true;
        log.push('daemon: whole body');
        if (daemon === 'stream-then-end-at-fin') s.write(`${STREAM_HEAD}2\r\n{}\r\n`);
        if (daemon === 'answer-later') setTimeout(() => s.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}'), 500);
      });
      s.on('end', () => {
        log.push('daemon: connection ended by the gateway');
        if (daemon === 'close-at-fin') return void s.destroy();
        if (daemon === 'answer-at-fin') s.write(STREAM_HEAD);
        if (daemon !== 'answer-later') s.end('2\r\n{}\r\n0\r\n\r\n', () => log.push('daemon: answer ended'));
      });
      s.on('close', () => log.push(`daemon: closed${whole ? '' : ' before the whole body'}`));
    },
    (forwarder, req, res) => {
      const ended = (): void => forwarder.ended(req, res);
      res.on('close', ended);
      whenSocketCloses(req.socket, ended);
      const untilAnswered = {
        toTheEnd,
        left: () => log.push('left'),
        settled: (side: DaemonSide) => log.push(`settled: ${side.kind}${side.kind === 'answered' ? ` ${side.status}` : ''}`),
      };
      forwarder.forward(req, res, { onHeaders: () => undefined, onError: () => undefined, untilAnswered }, req.url ?? '/');
    },
  );
  return { port, log };
}

/** Send the head and `bytes` of the body, wait until the daemon has `waitFor` in the log, leave. */
async function clientThatLeaves(port: number, log: string[], bytes: number, waitFor: string): Promise<void> {
  const c = connect(port, '127.0.0.1');
  c.on('error', () => undefined);
  c.on('data', () => undefined);
  c.write(`POST /build HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY.slice(0, bytes)}`);
  await until(() => log.includes(waitFor), 5000, waitFor);
  c.destroy();
}

describe('a client that leaves a request holding something until the daemon has acted', () => {
  it.each<[string, Daemon, boolean, number, string, string[]]>([
    ['a stream, its answer begun: half-closed, settled when the answer has ended', 'stream-then-end-at-fin', true, BODY.length, 'daemon: whole body',
      ['daemon: whole body', 'left', 'daemon: connection ended by the gateway', 'daemon: answer ended', 'settled: answered 200']],
    ['a stream, no answer yet (an import): half-closed, settled when the answer has ended', 'answer-at-fin', true, BODY.length, 'daemon: whole body',
      ['daemon: whole body', 'left', 'daemon: connection ended by the gateway', 'daemon: answer ended', 'settled: answered 200']],
    ['a stream whose daemon connection closes without an answer: settled as failed', 'close-at-fin', true, BODY.length, 'daemon: whole body',
      ['daemon: whole body', 'left', 'daemon: connection ended by the gateway', 'daemon: closed', 'settled: failed']],
    ['a non-stream: its connection left open, settled when the answer begins', 'answer-later', false, BODY.length, 'daemon: whole body',
      ['daemon: whole body', 'left', 'settled: answered 201']],
  ])('%s', async (_name, daemon, toTheEnd, bytes, waitFor, expected) => {
    const { port, log } = await setup(daemon, toTheEnd);
    await clientThatLeaves(port, log, bytes, waitFor);
    await until(() => log.some((l) => l.startsWith('settled')), 5000, 'settled');
    // In this order (when the daemon's side sees its connection close is not the point).
    expect(log.filter((l) => expected.includes(l))).toEqual(expected);
    expect(log.filter((l) => l.startsWith('settled') || l === 'left')).toEqual(expected.filter((l) => l.startsWith('settled') || l === 'left'));
  });

  it.each([true, false])('a request not handed over whole (toTheEnd %s) is cut off, and settled once its daemon connection has closed', async (toTheEnd) => {
    const { port, log } = await setup('answer-later', toTheEnd);
    const c = connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    c.write(`POST /build HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY.slice(0, 10)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    c.destroy();
    await until(() => log.some((l) => l.startsWith('settled')), 5000, 'settled');
    expect(log.filter((l) => l !== 'daemon: connection ended by the gateway')).toEqual(['left', 'daemon: closed before the whole body', 'settled: cut']);
  });
});
