/**
 * A minimal ustar writer, enough to hand a client bundle over as one `.tar.gz`: regular files
 * and directories with explicit modes, so `key.pem` keeps 0600 when unpacked with `tar -xpf`
 * (and tar's default umask handling never widens it). A path longer than ustar's 100 bytes (a
 * client name of many UTF-8 characters) goes in a POSIX pax `path` record before its header,
 * which GNU tar, bsdtar and Python's tarfile all read.
 */
import { gzipSync } from 'node:zlib';

/** One member of the archive. Paths use `/`; directories end without a slash. */
export interface TarEntry {
  path: string;
  mode: number;
  /** File content; absent for a directory. */
  content?: string | Uint8Array;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 digits, then NUL: the classic, universally read layout.
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** ustar's name field. */
const NAME_BYTES = 100;

function header(name: string, type: string, mode: number, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, NAME_BYTES, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** One pax record, `"<length> path=<value>\n"`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
  return `${len}${rest}`;
}

/** A member: header, content, padding to the block size. */
function member(parts: Buffer[], name: string, type: string, mode: number, body: Buffer, mtime: number): void {
  parts.push(header(name, type, mode, body.length, mtime), body);
  const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
  if (pad) parts.push(Buffer.alloc(pad, 0));
}

/** The uncompressed tar stream of `entries`, ending with the two zero blocks. */
export function tar(entries: readonly TarEntry[], mtime: Date = new Date()): Buffer {
  const seconds = Math.floor(mtime.getTime() / 1000);
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const isDir = entry.content === undefined;
    const name = isDir ? entry.path + '/' : entry.path;
    let field = name;
    if (Buffer.byteLength(name) > NAME_BYTES) {
      member(parts, 'PaxHeader', 'x', 0o644, Buffer.from(paxRecord('path', name), 'utf8'), seconds);
      // The ustar field keeps a readable, truncated stand-in (whole characters only).
      field = Buffer.from(name, 'utf8').subarray(0, NAME_BYTES).toString('utf8').replace(/\uFFFD+$/u, '');
    }
    member(parts, field, isDir ? '5' : '0', entry.mode, entry.content === undefined ? Buffer.alloc(0) : Buffer.from(entry.content), seconds);
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

/** `tar` then gzip. */
export function tarGz(entries: readonly TarEntry[], mtime?: Date): Buffer {
  return gzipSync(tar(entries, mtime));
}
