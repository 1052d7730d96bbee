/**
 * Reading a file the gateway is pointed at (config, policy, TLS material) safely: only a
 * regular file, of bounded size, opened without blocking. A FIFO in a file's place would
 * otherwise hold start-up, or a reload and with it every request and signal, until something
 * writes to it; a link to a device such as /dev/zero would be read without end.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';

/** The refusal of a file of `size` bytes where at most `maxBytes` are read. */
export function tooLargeMessage(path: string, size: number, maxBytes: number): string {
  return `${path} is ${size} bytes; at most ${maxBytes} are read`;
}

/**
 * A file over the size a read takes. `size` is kept so that a read made with a larger bound
 * (the file watch reads up to the largest file any loader takes) can be worded with the bound
 * of the loader that refuses it.
 */
export class FileTooLargeError extends Error {
  constructor(readonly path: string, readonly size: number, maxBytes: number) {
    super(tooLargeMessage(path, size, maxBytes));
  }
}

/** The bytes of the regular file at `path`; throws an Error saying why it cannot be used. */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  return readRegularFileAndStat(path, maxBytes).bytes;
}

/**
 * The bytes of the regular file at `path` and its stat taken on the same open file after they
 * were read: a write that changed them during the read has changed its mtime by then. Throws an
 * Error saying why it cannot be used, as readRegularFile does.
 */
export function readRegularFileAndStat(path: string, maxBytes: number): { bytes: Buffer; stat: Stats } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${path} is not a regular file (${stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : 'a device or socket'})`);
    if (stat.size > maxBytes) throw new FileTooLargeError(path, stat.size, maxBytes);
    const bytes = readFileSync(fd);
    return { bytes, stat: fstatSync(fd) };
  } finally {
    closeSync(fd);
  }
}
