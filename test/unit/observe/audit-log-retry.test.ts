/**
 * The audit log's retry timing and backlog bounds, exactly: the delays between attempts while
 * a destination refuses (100 ms doubling to 2 s, back to 100 ms once it takes a write, 10 ms
 * after a retry that got bytes in), the refusing clock a trickling reader resets, the cap's
 * edges, and a refused write that stopped right before a record's newline.
 */
import { mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditLog } from '../../../src/observe/audit-log.js';
import { auditLine } from '../../../src/observe/audit-line.js';
import { toAuditRecord } from '../../../src/observe/audit-record.js';
import { record } from './fixtures.js';

const refused = (code: string) => Object.assign(new Error(`${code}: refused, write`), { code });
const rec = (requestId: string) => toAuditRecord(record({ requestId }));
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] as number));

afterEach(() => {
  vi.useRealTimers();
});

describe('audit log retries (fake clock)', () => {
  it('backs off from 100 ms, doubling, to one attempt every 2 s; back to 100 ms once the destination took a write', async () => {
    vi.useFakeTimers();
    let refusing = true;
    const attempts: number[] = [];
    const log = createAuditLog({
      onError: () => {},
      writeSync(_fd, _buf, _off, len) {
        attempts.push(Date.now());
        if (refusing) throw refused('ENOSPC');
        return len;
      },
    });
    log.write(rec('a0'));
    vi.advanceTimersByTime(20_000);
    expect(gaps(attempts).slice(0, 8)).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    refusing = false;
    vi.advanceTimersByTime(2000);
    expect(log.health().backlogBytes).toBe(0);
    // A new refusal starts over at 100 ms.
    refusing = true;
    attempts.length = 0;
    log.write(rec('a1'));
    vi.advanceTimersByTime(350);
    expect(gaps(attempts)).toEqual([100, 200]);
    refusing = false;
    await log.close();
  });

  it('a reader that takes some bytes at each retry resets the refusing clock: never reported, since set anew', async () => {
    vi.useFakeTimers();
    let room = 0;
    let mode: 'full' | 'trickling' | 'open' = 'full';
    const errors: string[] = [];
    const log = createAuditLog({
      onError: (e) => errors.push(e.message),
      writeSync(_fd, _buf, _off, len) {
        if (mode === 'open') return len;
        if (mode === 'full' || room === 0) {
          room = 64;
          throw refused('EAGAIN');
        }
        const n = Math.min(len, room);
        room -= n;
        return n;
      },
    });
    for (let i = 0; i < 200; i++) log.write(rec(`t${i}`));
    vi.advanceTimersByTime(1);
    const first = log.health().refusingSince as number;
    expect(first).toBeDefined();
    vi.advanceTimersByTime(1000);
    mode = 'trickling';
    vi.advanceTimersByTime(4000);
    const health = log.health();
    expect(health.backlogBytes).toBeGreaterThan(0);
    expect(health.refusingSince).toBeGreaterThan(first + 4000);
    expect(errors).toEqual([]);
    mode = 'open';
    await log.close();
  });
});

describe('audit log backlog: no copy per retry', () => {
  it('a reader taking 64 KiB at each retry is fed from the backlog as it was kept, not from a copy per write', async () => {
    vi.useFakeTimers();
    let mode: 'full' | 'trickling' | 'open' = 'full';
    let tookThisRetry = false;
    const buffers = new Set<ArrayBufferLike>();
    let written = 0;
    const log = createAuditLog({
      onError: () => {},
      writeSync(_fd, buf, _off, len) {
        if (mode === 'open') return len;
        if (mode === 'full' || tookThisRetry) {
          tookThisRetry = false;
          throw refused('EAGAIN');
        }
        buffers.add(buf.buffer);
        tookThisRetry = true;
        const n = Math.min(len, 65_536);
        written += n;
        return n;
      },
    });
    // About 8 MiB of records, refused as they come: one backlog.
    const line = Buffer.byteLength(auditLine(rec('b0')));
    for (let i = 0; i < Math.ceil((8 * 1024 * 1024) / line); i++) log.write(rec(`b${i}`));
    vi.advanceTimersByTime(200);
    mode = 'trickling';
    vi.advanceTimersByTime(2_000);
    // All of it written, 64 KiB a retry (128 retries), from the backlog and a copy each time
    // what is left fell under half of what it held on to (about log2(128) copies, together no
    // more than the backlog once): a copy per partial write made each retry cost the whole backlog.
    expect(written).toBeGreaterThan(8 * 1024 * 1024);
    expect(buffers.size).toBeLessThanOrEqual(Math.log2(written / 65_536) + 1);
    mode = 'open';
    await log.close();
  });
});

describe('audit log backlog edges', () => {
  const one = Buffer.byteLength(auditLine(rec('e0')));
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `e${i}`);

  it.each([
    ['exactly at the cap: nothing dropped', 3, 3 * one, 0],
    ['a byte over three records: three kept', 10, 3 * one + 1, 7],
    ['half a record over three: three kept', 10, Math.floor(3.5 * one), 7],
    // The cap falls on a record boundary: the three newest records fit exactly (two were kept).
    ['ten records, a cap of exactly three: three kept', 10, 3 * one, 7],
  ])('%s', async (_label, n, maxBacklogBytes, lost) => {
    const log = createAuditLog({
      maxBacklogBytes,
      closeTimeoutMs: 0,
      onError: () => {},
      writeSync() {
        throw refused('ENOSPC');
      },
    });
    for (const id of ids(n)) log.write(rec(id));
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.health()).toMatchObject({ backlogBytes: (n - lost) * one, lostRecords: lost });
    await log.close();
  });

  it('a refused write that stopped right before a newline: the newline is written next, and every record is whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-audit-edge-'));
    try {
      const file = join(dir, 'audit.log');
      let calls = 0;
      const log = createAuditLog({
        file,
        onError: () => {},
        writeSync(fd, buf, off, len) {
          calls += 1;
          if (calls === 1) return writeSync(fd, buf, off, one - 1);
          if (calls === 2) throw refused('EAGAIN');
          return writeSync(fd, buf, off, len);
        },
      });
      log.write(rec('e0'));
      log.write(rec('e1'));
      await log.flush(2000);
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { requestId: string }).requestId)).toEqual(['e0', 'e1']);
      expect(text.endsWith('\n')).toBe(true);
      await log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
