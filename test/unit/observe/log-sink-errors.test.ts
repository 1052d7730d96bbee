/**
 * The operational log's sink and write errors other than a full pipe (rev-fix-observe N4):
 * only an error that means the reader is gone for good stops the log; the others (a full disk,
 * an I/O error) are refusals, held with the cap, retried, and the dropped lines reported.
 * The write is injected: no pipe, no disk, no clock.
 */
import { describe, expect, it } from 'vitest';
import { createLogSink } from '../../../src/observe/log-sink.js';

/** A writer that fails with `code` while `failing` is set, else takes everything into `out`. */
function fakeWriter(code: string): { write: (fd: number, buf: Buffer, offset: number) => number; out: string[]; calls: number; failing: boolean } {
  const w = {
    out: [] as string[],
    calls: 0,
    failing: true,
    write(_fd: number, buf: Buffer, offset: number): number {
      w.calls += 1;
      if (w.failing) throw Object.assign(new Error(code), { code });
      w.out.push(buf.subarray(offset).toString());
      return buf.length - offset;
    },
  };
  return w;
}

const line = (i: number): string => `${JSON.stringify({ level: 30, i, msg: 'x'.repeat(50) })}\n`;

describe('log sink: write errors', () => {
  it.each([
    // code, whether the log goes on once writes succeed again
    ['EAGAIN', true],
    ['ENOSPC', true],
    ['EDQUOT', true],
    ['EIO', true],
    ['EFBIG', true],
    ['EPIPE', false],
    ['EBADF', false],
    ['ECONNRESET', false],
  ] as const)('%s -> log goes on: %s', (code, goesOn) => {
    const w = fakeWriter(code);
    const sink = createLogSink({ fd: 99, maxBytes: 400, hookExit: false, writeFn: w.write });
    for (let i = 0; i < 20; i++) sink.write(line(i));
    w.failing = false;
    const lost = sink.flushAtExit(0);
    const lines = w.out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    if (!goesOn) {
      expect(lines).toEqual([]);
      expect(lost).toBeGreaterThan(0);
      return;
    }
    // The held lines (the first ones, up to the cap) come out in order, then the note for the rest.
    const kept = lines.filter((l) => l.event === undefined).map((l) => l.i);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual([...Array(kept.length).keys()]);
    expect(lines.at(-1)).toMatchObject({ level: 40, event: 'log-lines-dropped', dropped: 20 - kept.length, reason: code });
    expect(lost).toBe(0);
  });

  it('after a transient error the log takes new lines again; after EPIPE it never writes again', () => {
    const full = fakeWriter('ENOSPC');
    const a = createLogSink({ fd: 99, hookExit: false, writeFn: full.write });
    a.write(line(1));
    full.failing = false;
    a.flushAtExit(0);
    expect(full.out.join('')).toBe(line(1));

    const gone = fakeWriter('EPIPE');
    const b = createLogSink({ fd: 99, hookExit: false, writeFn: gone.write });
    b.write(line(1));
    const calls = gone.calls;
    gone.failing = false;
    b.write(line(2));
    b.flushAtExit(0);
    expect(gone.calls).toBe(calls);
    expect(gone.out).toEqual([]);
  });
});

describe('log sink: the exit wait (rev-fix-observe N3), with a fake clock', () => {
  /** A writer that takes `perTurn` bytes, then refuses (EAGAIN) until the clock moves; or never takes anything. */
  function slowReader(perTurn: number) {
    const clock = { t: 0, now: () => clock.t, sleep: (ms: number) => void (clock.t += ms) };
    let turn = -1;
    let taken = '';
    const write = (_fd: number, buf: Buffer, offset: number): number => {
      if (perTurn === 0 || turn === clock.t) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      turn = clock.t;
      const n = Math.min(perTurn, buf.length - offset);
      taken += buf.subarray(offset, offset + n).toString();
      return n;
    };
    return { clock, write, taken: () => taken };
  }

  it.each([
    // bytes per 10 ms, lines held, wait, cap -> everything written?, fake time the flush took at most
    ['a slow reader that keeps reading gets every line past the 2 s wait', 10, 40, true, 5000],
    ['a reader that takes nothing: given up after the 2 s wait', 0, 40, false, 2010],
    ['a reader too slow for the cap: given up at the cap', 1, 100, false, 5010],
  ] as const)('%s', (_label, perTurn, count, all, within) => {
    const r = slowReader(perTurn);
    const sink = createLogSink({ fd: 99, hookExit: false, writeFn: r.write, clock: r.clock, retryMs: 1_000_000 });
    const lines = Array.from({ length: count }, (_, i) => line(i));
    for (const l of lines) sink.write(l);
    const lost = sink.flushAtExit();
    expect(lost === 0).toBe(all);
    if (all) expect(r.taken()).toBe(lines.join(''));
    expect(r.clock.t).toBeLessThanOrEqual(within);
  });
});

describe('log sink: the exit wait counts bytes taken as progress (rev-final, last session)', () => {
  it('a round that writes the last held line and then queues the dropped-lines note is progress', () => {
    // A reader that takes one whole write every 1500 ms of (fake) time, and refuses in between.
    const clock = { t: 0, now: () => clock.t, sleep: (ms: number) => void (clock.t += ms) };
    let last = -Infinity;
    let out = '';
    let refusing = true;
    const write = (_fd: number, buf: Buffer, offset: number): number => {
      if (refusing || clock.t - last < 1500) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      last = clock.t;
      out += buf.subarray(offset).toString();
      return buf.length - offset;
    };
    const sink = createLogSink({ fd: 99, maxBytes: 2 * line(0).length, hookExit: false, writeFn: write, clock, retryMs: 1_000_000 });
    for (let i = 0; i < 5; i++) sink.write(line(i));
    refusing = false;
    // t=0: line 0; t=1500: line 1, then the note is queued (more bytes held than before) and
    // refused; t=3000: the note. Counting fewer bytes held as progress gave up at t=2000.
    expect(sink.flushAtExit(2000, 10_000)).toBe(0);
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.i ?? l.event)).toEqual([0, 1, 'log-lines-dropped']);
    expect(lines[2]).toMatchObject({ dropped: 3 });
  });
});

describe('log sink: droppedTotal, what dockgate_log_lines_dropped_total reads', () => {
  /**
   * A writer that refuses with `code` until `then` happens: `resume` takes everything from
   * then on, `take-then-gone` takes the held lines and then fails with EPIPE (on the note).
   */
  function scripted(code: string) {
    const w = { mode: 'refuse' as 'refuse' | 'take' | 'take-then-gone', taken: 0, out: '' };
    const write = (_fd: number, buf: Buffer, offset: number): number => {
      if (w.mode === 'refuse') throw Object.assign(new Error(code), { code });
      if (w.mode === 'take-then-gone' && buf.toString().includes('log-lines-dropped')) throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      w.out += buf.subarray(offset).toString();
      return buf.length - offset;
    };
    return { w, write };
  }

  it.each([
    // refusal, what happens after the 10 lines (3 fit under the cap), droppedTotal after it
    ['lines past the cap while stderr refuses', 'EAGAIN', 'nothing', 7],
    ['a full disk: the same', 'ENOSPC', 'nothing', 7],
    ['the note written once stderr takes lines again does not reset it', 'EAGAIN', 'resume', 7],
    ['the reader gone: the held line and every line after it', 'EPIPE', 'nothing', 10],
    ['lines still held at exit', 'EAGAIN', 'exit', 10],
    ['a note dropped with its reader is no line of its own', 'EAGAIN', 'note-gone', 7],
  ] as const)('%s', (_label, code, then, total) => {
    const { w, write } = scripted(code);
    const sink = createLogSink({ fd: 99, maxBytes: 3 * line(0).length, hookExit: false, writeFn: write, retryMs: 1_000_000 });
    for (let i = 0; i < 10; i++) sink.write(line(i));
    if (then === 'resume' || then === 'note-gone') {
      w.mode = then === 'resume' ? 'take' : 'take-then-gone';
      // The held lines go out, then the note (or the write of the note fails).
      sink.flushAtExit(0, 0);
      expect(sink.dropped()).toBe(0);
      expect(w.out.split('\n').filter(Boolean).length).toBe(then === 'resume' ? 4 : 3);
    }
    if (then === 'exit') sink.flushAtExit(0, 0);
    expect(sink.droppedTotal()).toBe(total);
  });
});
