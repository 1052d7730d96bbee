/**
 * FileReads (file-reads.ts): the file watch skips a TLS file the newest reload already read as
 * it is now (a change followed by SIGHUP was loaded twice), and loads it whenever in doubt.
 * Real files: each row sets up a file, marks a reload's read (or not), then acts on the file.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReads } from '../../../src/runtime/file-reads.js';

const dir = mkdtempSync(join(tmpdir(), 'dg-file-reads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  name: string;
  /** Whether a reload read the files (FileReads.reading) after the file was first written. */
  read: boolean;
  /** What happens to the file after that. */
  then: (file: string) => void;
  alreadyRead: boolean;
}

const rows: Row[] = [
  { name: 'read by the newest reload, unchanged since', read: true, then: () => {}, alreadyRead: true },
  { name: 'no reload has read it', read: false, then: () => {}, alreadyRead: false },
  { name: 'replaced by rename after the read', read: true, then: (f) => { writeFileSync(`${f}.new`, 'crl 2\n'); renameSync(`${f}.new`, f); }, alreadyRead: false },
  { name: 'written in place after the read, same size', read: true, then: (f) => writeFileSync(f, 'crl 2\n'), alreadyRead: false },
  { name: 'rewritten with the same bytes after the read (a new inode)', read: true, then: (f) => { writeFileSync(`${f}.new`, 'crl 1\n'); renameSync(`${f}.new`, f); }, alreadyRead: false },
  { name: 'removed after the read', read: true, then: (f) => rmSync(f), alreadyRead: false },
  { name: 'a directory in its place after the read', read: true, then: (f) => { rmSync(f); mkdirSync(f); }, alreadyRead: false },
];

describe('FileReads.alreadyRead', () => {
  it.each(rows)('$name: $alreadyRead', ({ name, read, then, alreadyRead }) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.pem`);
    const other = join(dir, `${name.replace(/\W+/g, '-')}-other.pem`);
    writeFileSync(file, 'crl 1\n');
    writeFileSync(other, 'ca 1\n');
    const reads = new FileReads([file, other]);
    if (read) reads.reading();
    then(file);
    expect(reads.alreadyRead(file)).toBe(alreadyRead);
    // The other file of the set is judged on its own.
    expect(reads.alreadyRead(other)).toBe(read);
  });

  it('a file unreadable when the reload read it is never skipped', () => {
    const file = join(dir, 'missing.pem');
    const reads = new FileReads([file]);
    reads.reading();
    expect(reads.alreadyRead(file)).toBe(false);
    writeFileSync(file, 'crl 1\n');
    expect(reads.alreadyRead(file)).toBe(false);
  });

  it('a later reading() replaces the states of the earlier one', () => {
    const file = join(dir, 'later.pem');
    writeFileSync(file, 'crl 1\n');
    const reads = new FileReads([file]);
    reads.reading();
    writeFileSync(file, 'crl 22\n');
    expect(reads.alreadyRead(file)).toBe(false);
    reads.reading();
    expect(reads.alreadyRead(file)).toBe(true);
  });
});
