/**
 * readRegularFile, which every file the gateway is pointed at goes through (config, policy, TLS
 * material): regular files of at most maxBytes only, without blocking on a FIFO, and no
 * descriptor left open whatever the outcome (a reload runs it again and again).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularFile } from '../../../src/config/regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dg-regular-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'ten'), '0123456789');
mkdirSync(join(dir, 'sub'));
execFileSync('mkfifo', [join(dir, 'fifo')]);

describe('readRegularFile', () => {
  it.each<[string, string, number, string | RegExp]>([
    ['a file of exactly maxBytes is read', 'ten', 10, '0123456789'],
    ['a file one byte over maxBytes is refused', 'ten', 9, /ten is 10 bytes; at most 9 are read$/],
    ['a directory', 'sub', 10, /sub is not a regular file \(a directory\)$/],
    ['a FIFO, without waiting for a writer', 'fifo', 10, /fifo is not a regular file \(a FIFO\)$/],
    ['a device', '/dev/null', 10, /\/dev\/null is not a regular file \(a device or socket\)$/],
  ])('%s', (_label, name, maxBytes, want) => {
    const path = name.startsWith('/') ? name : join(dir, name);
    if (typeof want === 'string') expect(readRegularFile(path, maxBytes).toString()).toBe(want);
    else expect(() => readRegularFile(path, maxBytes)).toThrow(want);
  });

  it('leaves no descriptor open, whether it reads or refuses', () => {
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      readRegularFile(join(dir, 'ten'), 10);
      expect(() => readRegularFile(join(dir, 'ten'), 9)).toThrow();
      expect(() => readRegularFile(join(dir, 'fifo'), 10)).toThrow();
    }
    expect(open()).toBe(before);
  });
});
