/**
 * A minimal ustar writer, enough to hand a client bundle over as one `.tar.gz`: regular files
 * and directories with explicit modes, so `key.pem` keeps 0600 when unpacked with `tar -xpf`
 * (and tar's default umask handling never widens it).
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

function header(entry: TarEntry, size: number, mtime: number): Buffer {
  const isDir = entry.content === undefined;
  const name = isDir ? entry.path + '/' : entry.path;
  if (Buffer.byteLength(name) > 100) throw new RangeError(`tar path longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write(isDir ? '5' : '0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** The uncompressed tar stream of `entries`, ending with the two zero blocks. */
export function tar(entries: readonly TarEntry[], mtime: Date = new Date()): Buffer {
  const seconds = Math.floor(mtime.getTime() / 1000);
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = entry.content === undefined ? Buffer.alloc(0) : Buffer.from(entry.content);
    parts.push(header(entry, body.length, seconds), body);
    const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

/** `tar` then gzip. */
export function tarGz(entries: readonly TarEntry[], mtime?: Date): Buffer {
  return gzipSync(tar(entries, mtime));
}
