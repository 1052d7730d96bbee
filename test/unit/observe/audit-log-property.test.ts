/**
 * The audit log's promises under random destinations (found by a review of the backlog's
 * rewrite): partial writes, refusals, caps from under one record to 1 MiB, rotations and a
 * close while refusing. Every line that reaches the destination is a whole record, in order,
 * none twice, and every record sent is either there or counted lost. Seeded: a failure names
 * its seed.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditLog } from '../../../src/observe/audit-log.js';
import { toAuditRecord } from '../../../src/observe/audit-record.js';
import { record } from './fixtures.js';

const refused = (code: string) => Object.assign(new Error(`${code}: refused`), { code });
const rec = (id: string) => toAuditRecord(record({ requestId: id }));

/** xorshift32: the same sequence for the same seed. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Records found in `text`, checked: whole lines (a file has no broken line at all), ascending ids. */
function recordsIn(text: string, file: boolean, tag: string): number {
  const lines = text.split('\n');
  const tail = lines.pop();
  // A file is cut back to its last whole record; a pipe cannot be, and a close while it
  // refuses may leave the half it took (a broken line, counted lost).
  if (file) expect(tail, `${tag}: the file ends mid-record`).toBe('');
  else if (tail !== '') lines.push(tail as string);
  let last = -1;
  let found = 0;
  for (const line of lines) {
    let id: number;
    try {
      id = Number((JSON.parse(line) as { requestId: string }).requestId.split('-')[0]?.slice(1));
    } catch {
      // On a pipe a record given up is ended by a newline: a broken line, counted lost.
      expect(file, `${tag}: a broken line in a file: ${line.slice(0, 80)}`).toBe(false);
      continue;
    }
    expect(id, `${tag}: records out of order or twice`).toBeGreaterThan(last);
    last = id;
    found += 1;
  }
  return found;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('audit log under random destinations', () => {
  it.each([false, true])('file destination: %s', async (file) => {
    for (let seed = 1; seed <= 150; seed++) {
      vi.useFakeTimers();
      const r = random(seed * 7919);
      const dir = mkdtempSync(join(tmpdir(), 'dg-audit-prop-'));
      const path = join(dir, 'a.log');
      let piped = '';
      /** 0: takes everything, 1: takes part or refuses, 2: refuses. */
      let mode = 0;
      const cap = [50, 200, 600, 2000, 10_000, 1 << 20][Math.floor(r() * 6)] as number;
      const tag = `seed ${seed}, cap ${cap}`;
      const log = createAuditLog({
        file: file ? path : undefined,
        maxBacklogBytes: cap,
        closeTimeoutMs: 300,
        pathCheckMs: 100_000,
        onError: () => {},
        writeSync(fd, buf, off, len) {
          const x = r();
          if (mode === 2 || (mode === 1 && x < 0.5)) throw refused('EAGAIN');
          const n = mode === 1 ? Math.max(1, Math.floor(r() * len)) : len;
          if (file) return writeSync(fd, buf, off, n);
          piped += buf.subarray(off, off + n).toString('latin1');
          return n;
        },
      });
      let sent = 0;
      let rotations = 0;
      for (let step = 0, steps = 20 + Math.floor(r() * 80); step < steps; step++) {
        const a = r();
        if (a < 0.5) {
          for (let k = 1 + Math.floor(r() * 5); k > 0; k--) log.write(rec(`r${sent++}-${'x'.repeat(Math.floor(r() * r() * 400))}`));
        } else if (a < 0.75) await vi.advanceTimersByTimeAsync(Math.floor(r() * 500));
        else if (a < 0.9) mode = Math.floor(r() * 3);
        else if (file && a < 0.95) {
          renameSync(path, `${path}.${rotations++}`);
          log.reopen();
        } else await vi.advanceTimersByTimeAsync(1);
      }
      if (r() < 0.5) mode = 0;
      const closing = log.close();
      await vi.advanceTimersByTimeAsync(1000);
      await closing;
      let text = piped;
      if (file) {
        text = '';
        for (let i = 0; i < rotations; i++) text += readFileSync(`${path}.${i}`, 'latin1');
        text += readFileSync(path, 'latin1');
      }
      expect(recordsIn(text, file, tag) + log.health().lostRecords, `${tag}: sent = written + counted lost`).toBe(sent);
      vi.useRealTimers();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('audit log: a file deleted while it refused', () => {
  it('records held for a full disk go to the new file once the operator deleted the old one, not into the deleted file', async () => {
    vi.useFakeTimers();
    const dir = mkdtempSync(join(tmpdir(), 'dg-audit-del-'));
    const path = join(dir, 'a.log');
    let full = false;
    const log = createAuditLog({
      file: path,
      onError: () => {},
      writeSync(fd, buf, off, len) {
        if (full) throw refused('ENOSPC');
        return writeSync(fd, buf, off, len);
      },
    });
    for (let i = 0; i < 3; i++) log.write(rec(`before${i}`));
    await vi.advanceTimersByTimeAsync(1);
    full = true;
    for (let i = 0; i < 50; i++) log.write(rec(`held${i}`));
    await vi.advanceTimersByTimeAsync(300);
    unlinkSync(path);
    full = false;
    await vi.advanceTimersByTimeAsync(1000);
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { requestId: string }).requestId)).toEqual(Array.from({ length: 50 }, (_, i) => `held${i}`));
    expect(log.health()).toMatchObject({ backlogBytes: 0, lostRecords: 0 });
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('audit log: a long outage', () => {
  it('records held over many retries are written in few writes once the destination takes them (chunks merged, no quadratic drain)', async () => {
    vi.useFakeTimers();
    let full = true;
    let writes = 0;
    const log = createAuditLog({
      onError: () => {},
      writeSync(_fd, _buf, _off, len) {
        if (full) throw refused('ENOSPC');
        writes += 1;
        return len;
      },
    });
    log.write(rec('first'));
    vi.advanceTimersByTime(10_000);
    // One record per retry (2 s apart): one chunk each, unless merged.
    for (let i = 0; i < 2000; i++) {
      log.write(rec(`r${i}`));
      vi.advanceTimersByTime(2000);
    }
    const held = log.health().backlogBytes;
    full = false;
    vi.advanceTimersByTime(2000);
    expect(log.health().backlogBytes).toBe(0);
    // 64 KiB a chunk at most: about held / 64 KiB writes, not one per retry (2001).
    expect(writes).toBeLessThanOrEqual(Math.ceil(held / 65_536) + 2);
    await log.close();
  });
});

describe('audit log: a deleted file that cannot be reopened', () => {
  it('whole records a failing write put into it are counted lost', async () => {
    vi.useFakeTimers();
    const dir = mkdtempSync(join(tmpdir(), 'dg-audit-del-'));
    const path = join(dir, 'a.log');
    /** 'half': the next write takes half and the one after refuses. */
    let next: 'all' | 'half' | 'refuse' = 'all';
    const log = createAuditLog({
      file: path,
      pathCheckMs: 1000,
      onError: () => {},
      writeSync(fd, buf, off, len) {
        if (next === 'refuse') {
          next = 'all';
          throw refused('ENOSPC');
        }
        if (next === 'half') {
          next = 'refuse';
          return writeSync(fd, buf, off, Math.floor(len / 2));
        }
        return writeSync(fd, buf, off, len);
      },
    });
    log.write(rec('visible'));
    await vi.advanceTimersByTimeAsync(1);
    // Deleted, and a directory in its place: it cannot be reopened.
    unlinkSync(path);
    mkdirSync(path);
    await vi.advanceTimersByTimeAsync(1000);
    next = 'half';
    for (let i = 0; i < 4; i++) log.write(rec(`d${i}`));
    await vi.advanceTimersByTimeAsync(5000);
    const loss = await log.close();
    // All four went into the deleted file (two by the half write, two by the retry).
    expect(log.health().lostRecords).toBe(4);
    expect(loss.records).toBe(4);
    rmSync(dir, { recursive: true, force: true });
  });
});
