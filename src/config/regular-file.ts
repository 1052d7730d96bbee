/**
 * Reading a file the gateway is pointed at (config, policy, TLS material) safely: only a
 * regular file, of bounded size, opened without blocking. A FIFO in a file's place would
 * otherwise hold start-up, or a reload and with it every request and signal, until something
 * writes to it; a link to a device such as /dev/zero would be read without end.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

/** The bytes of the regular file at `path`; throws an Error saying why it cannot be used. */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${path} is not a regular file (${stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : 'a device or socket'})`);
    if (stat.size > maxBytes) throw new Error(`${path} is ${stat.size} bytes; at most ${maxBytes} are read`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
