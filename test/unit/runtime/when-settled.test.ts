/**
 * whenSettled (SIGHUP's policy read) on real files: a settled file is read at once, a file being
 * written in place is read once it has stopped changing for the quiet period, however long the
 * writing lasts (rev-fix-reload R2: it used to be read after 10 checks, mid-write), a file whose
 * mtime is ahead of the clock costs one quiet period (it used to cost 10), and the wait is
 * reported once. `run` gets the bytes the wait found settled (what the reload loads: a read
 * after the wait could meet a writer that started just then), or the read error it met.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settleWaitMessage, whenSettled, type SettleWait } from '../../../src/runtime/file-watch.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  vi.useRealTimers();
});

function scratchFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dg-settle-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, content);
  return file;
}

/** Start whenSettled on `file`: what was on disk when it ran (and when), what it handed over, and the waits it reported. */
function settle(file: string, quietMs: number): { reads: { at: number; content: string }[]; settled: string[]; waits: SettleWait[] } {
  const out = { reads: [] as { at: number; content: string }[], settled: [] as string[], waits: [] as SettleWait[] };
  const cancel = whenSettled(file, (settled) => {
    out.settled.push(settled === undefined ? '(nothing)' : 'bytes' in settled ? settled.bytes.toString('utf8') : `error: ${settled.error.message}`);
    let content = '(missing)';
    try {
      content = readFileSync(file, 'utf8');
    } catch {
      // reported as missing
    }
    out.reads.push({ at: Date.now(), content });
  }, { quietMs, waiting: (w) => out.waits.push(w) });
  cleanups.push(cancel);
  return out;
}

describe('whenSettled', () => {
  it('a file last modified longer ago than the quiet period is read at once, without a wait', () => {
    const file = scratchFile('rules: []\n');
    const past = new Date(Date.now() - 60_000);
    utimesSync(file, past, past);
    const s = settle(file, 2000);
    expect(s.reads.map((r) => r.content)).toEqual(['rules: []\n']);
    expect(s.settled).toEqual(['rules: []\n']);
    expect(s.waits).toEqual([]);
  });

  it('a missing file is run at once (the reload then fails and says so)', () => {
    const s = settle(join(tmpdir(), 'dg-settle-none', 'policy.yaml'), 2000);
    expect(s.reads.map((r) => r.content)).toEqual(['(missing)']);
    expect(s.settled).toEqual([expect.stringMatching(/^error: ENOENT/)]);
  });

  // On fake timers (setTimeout and Date): the checks fall where the test puts them, so what is
  // asserted is the order of writes, checks and the read, not how long anything took.
  it('a file written in place for 15 quiet periods is read once, whole, after the writing stops; the wait is reported once', () => {
    const file = scratchFile('# 0\n');
    // The fake clock starts just after the file's mtime (the file system's clock may run a few
    // ms behind or ahead of Date.now()): a file written a moment ago.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Math.ceil(statSync(file).mtimeMs) + 1 });
    const quietMs = 150;
    const s = settle(file, quietMs);
    let written = '# 0\n';
    for (let i = 1; i * 40 <= 15 * quietMs; i++) {
      appendFileSync(file, `# ${i}\n`);
      written += `# ${i}\n`;
      vi.advanceTimersByTime(40);
      expect(s.reads, `read while still being written (line ${i})`).toEqual([]);
    }
    // The next check sees the last write; the one after it sees no change and reads.
    vi.advanceTimersByTime(quietMs - 1);
    expect(s.reads).toEqual([]);
    vi.advanceTimersByTime(quietMs + 1);
    expect(s.reads.map((r) => r.content)).toEqual([written]);
    expect(s.settled).toEqual([written]);
    vi.advanceTimersByTime(10 * quietMs);
    expect(s.reads).toHaveLength(1);
    expect(s.waits).toHaveLength(1);
    expect(s.waits[0]?.ageMs).toBeGreaterThanOrEqual(0);
  });

  it('a file whose mtime is an hour ahead of the clock is read after one quiet period, and the wait says the mtime is ahead', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.now() });
    const file = scratchFile('rules: []\n');
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(file, ahead, ahead);
    const quietMs = 200;
    const s = settle(file, quietMs);
    vi.advanceTimersByTime(quietMs - 1);
    expect(s.reads).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(s.reads.map((r) => r.content)).toEqual(['rules: []\n']);
    expect(s.waits).toHaveLength(1);
    expect(s.waits[0]?.ageMs).toBeLessThan(-3_000_000);
  });

  it('cancelling drops a read still waiting', async () => {
    const file = scratchFile('rules: []\n');
    const reads: number[] = [];
    const cancel = whenSettled(file, () => reads.push(1), { quietMs: 200 });
    cancel();
    await sleep(400);
    expect(reads).toEqual([]);
  });

  it.each([
    { wait: { ageMs: 350, quietMs: 2000 }, says: 'it was modified 350 ms ago' },
    { wait: { ageMs: -3_600_000, quietMs: 2000 }, says: 'its mtime is 3600 s ahead of the clock' },
  ])('the wait\'s log line: $says', ({ wait, says }) => {
    expect(settleWaitMessage(wait)).toContain(says);
    expect(settleWaitMessage(wait)).toContain('read once it has not changed for 2 s');
  });
});
