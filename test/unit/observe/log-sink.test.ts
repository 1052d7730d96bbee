/**
 * The operational log's sink on a pipe whose reader stopped reading (rev-observe F3): lines
 * the pipe refuses are held up to a cap, the rest dropped and counted, the count said once the
 * pipe drains, and the exit flush gives up after its wait instead of blocking for ever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogSink } from '../../../src/observe/log-sink.js';

let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A pipe whose reader reads nothing until `start()`, then copies everything to `out`. Its write end's fd (non-blocking, as Node opens pipes). */
function stalledPipe(): { fd: number; start(): void; out: string } {
  dir = mkdtempSync(join(tmpdir(), 'dockgate-log-sink-'));
  const flag = join(dir, 'go');
  const out = join(dir, 'out');
  child = spawn('sh', ['-c', `while [ ! -e '${flag}' ]; do sleep 0.05; done; cat > '${out}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
  return { fd, start: () => writeFileSync(flag, ''), out };
}

const line = (i: number): string => `${JSON.stringify({ level: 30, i, msg: 'x'.repeat(200) })}\n`;

describe('log sink on a pipe nobody reads', () => {
  it('holds at most maxBytes, drops and counts the rest, and says so once the pipe drains', async () => {
    const pipe = stalledPipe();
    const sink = createLogSink({ fd: pipe.fd, maxBytes: 32 * 1024, retryMs: 20, hookExit: false });
    let i = 0;
    // Until the pipe (64 KiB or more) is full and the cap is reached: lines are dropped.
    while (sink.dropped() === 0) {
      sink.write(line(i++));
      expect(i).toBeLessThan(100_000);
    }
    for (let k = 0; k < 100; k++) sink.write(line(i++));
    expect(sink.heldBytes()).toBeLessThanOrEqual(32 * 1024);
    const dropped = sink.dropped();
    expect(dropped).toBeGreaterThan(100);
    pipe.start();
    await vi.waitFor(() => expect(existsSync(pipe.out) && readFileSync(pipe.out, 'utf8').includes('"event":"log-lines-dropped"')).toBe(true), { timeout: 30_000, interval: 50 });
    const lines = readFileSync(pipe.out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const note = lines.find((l) => l.event === 'log-lines-dropped');
    expect(note).toMatchObject({ level: 40, dropped });
    // Nothing written twice or out of order; the lines written are those not dropped.
    const kept = lines.filter((l) => l.event === undefined).map((l) => l.i as number);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(kept.length + dropped).toBe(i);
    expect(sink.dropped()).toBe(0);
  });

  it('the exit flush gives up after its wait and says how many lines were lost', () => {
    const pipe = stalledPipe();
    const sink = createLogSink({ fd: pipe.fd, maxBytes: 256 * 1024, hookExit: false });
    let i = 0;
    while (sink.heldBytes() === 0) sink.write(line(i++));
    for (let k = 0; k < 10; k++) sink.write(line(i++));
    // Returns (a blocking flush would never return while the pipe stays full).
    expect(sink.flushAtExit(50)).toBeGreaterThanOrEqual(11);
    expect(sink.heldBytes()).toBe(0);
  });
});
