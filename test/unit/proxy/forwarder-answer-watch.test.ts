/**
 * ForwardHooks.answerWatch (tenancy's check of a BuildKit build's result): the watch sees every
 * piece of a 200 answer, the client's answer ends only after the watch is done, with the bytes
 * it added, and a client that leaves (mid-answer, or while the watch is at work) settles only
 * once the watch is done, so that what the request holds (its tags) is held until then.
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

const STREAM_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;

/** The daemon streams `a`, then (at once, or when the gateway half-closes) `b` and the end. */
async function setup(endAt: 'once' | 'fin', watchMs: number): Promise<{ port: number; log: string[]; seen: () => string }> {
  const log: string[] = [];
  let seen = '';
  const { port } = await forwarderRig(
    cleanups,
    (s) => {
      s.once('data', () => {
        s.write(`${STREAM_HEAD}${chunk('{"a":1}\r\n')}`);
        if (endAt === 'once') setTimeout(() => s.write(`${chunk('{"b":2}\r\n')}0\r\n\r\n`, () => log.push('daemon: answer ended')), 50);
      });
      s.on('end', () => {
        if (endAt === 'fin') s.end(`${chunk('{"b":2}\r\n')}0\r\n\r\n`, () => log.push('daemon: answer ended'));
      });
    },
    (forwarder, req, res) => {
      const ended = (): void => forwarder.ended(req, res);
      res.on('close', ended);
      whenSocketCloses(req.socket, ended);
      const untilAnswered = {
        toTheEnd: true,
        left: () => log.push('left'),
        settled: (side: DaemonSide) => log.push(`settled: ${side.kind}`),
      };
      const answerWatch = {
        seen: (c: Buffer) => void (seen += c.toString()),
        ended: (complete: boolean) => {
          log.push(`watch: ended ${complete}`);
          return new Promise<Buffer>((r) => setTimeout(() => {
            log.push('watch: done');
            r(Buffer.from('{"error":"refused"}\r\n'));
          }, watchMs));
        },
      };
      forwarder.forward(req, res, { onHeaders: () => undefined, onError: () => undefined, untilAnswered, answerWatch }, req.url ?? '/');
    },
  );
  return { port, log, seen: () => seen };
}

describe('an answer watch', () => {
  it('sees the whole answer; the client gets the added bytes, and the end only after the watch', async () => {
    const { port, log, seen } = await setup('once', 200);
    const c = connect(port, '127.0.0.1');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.write('POST /build HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    await until(() => got.includes('0\r\n\r\n'), 5000, 'the end of the answer');
    c.destroy();
    expect(seen()).toBe('{"a":1}\r\n{"b":2}\r\n');
    expect(got).toMatch(/\{"b":2\}\r\n\r\n[0-9a-f]+\r\n\{"error":"refused"\}\r\n\r\n0\r\n\r\n$/);
    expect(log).toEqual(['daemon: answer ended', 'watch: ended true', 'watch: done']);
  });

  it('a client that leaves while the watch is at work settles only once it is done', async () => {
    const { port, log } = await setup('once', 400);
    const c = connect(port, '127.0.0.1');
    c.on('data', () => undefined);
    c.write('POST /build HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    await until(() => log.includes('watch: ended true'), 5000, 'the watch');
    c.destroy();
    await until(() => log.some((l) => l.startsWith('settled')), 5000, 'settled');
    expect(log).toEqual(['daemon: answer ended', 'watch: ended true', 'left', 'watch: done', 'settled: answered']);
  });

  it('a client that leaves mid-answer: the answer is read to its end, then the watch, then settled', async () => {
    const { port, log, seen } = await setup('fin', 100);
    const c = connect(port, '127.0.0.1');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.write('POST /build HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    await until(() => got.includes('{"a":1}'), 5000, 'the first piece');
    c.destroy();
    await until(() => log.some((l) => l.startsWith('settled')), 5000, 'settled');
    expect(seen()).toBe('{"a":1}\r\n{"b":2}\r\n');
    expect(log.filter((l) => l !== 'daemon: answer ended')).toEqual(['left', 'watch: ended true', 'watch: done', 'settled: answered']);
  });
});
