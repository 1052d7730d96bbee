/**
 * Reads streams back over the daemon's own unix socket, outside every proxy under test, so the
 * bench can tell what a target should have answered and what really reached the daemon: the
 * sha256 of a whole answer, and for an archive (`GET .../archive`) the sha256 of the one
 * regular file inside the tar. Also puts a tar into a container over the same socket.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { request } from 'node:http';

const BLOCK = 512;

/**
 * Incremental tar reader for one regular file: feed it the archive's bytes; `file()` gives
 * { size, sha256, start } of the first regular file's payload (PAX and GNU long-name records
 * skipped; `start`: the payload's offset in the archive), `start()` that offset as soon as the
 * file's header has been read.
 */
export function tarFileHasher() {
  let pending = Buffer.alloc(0);
  let fed = 0; // archive bytes fed so far
  let skip = 0; // bytes of a record to skip (payload of an extended header, padding)
  let take = 0; // payload bytes of the regular file still to hash
  let found;
  const hash = createHash('sha256');
  return {
    update(chunk) {
      let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      // The archive offset of buf[0].
      let offset = fed - pending.length;
      fed += chunk.length;
      pending = Buffer.alloc(0);
      const advance = (n) => {
        buf = buf.subarray(n);
        offset += n;
      };
      while (buf.length) {
        if (take) {
          const n = Math.min(take, buf.length);
          hash.update(buf.subarray(0, n));
          take -= n;
          advance(n);
          if (!take) skip = (BLOCK - (found.size % BLOCK)) % BLOCK;
          continue;
        }
        if (skip) {
          const n = Math.min(skip, buf.length);
          skip -= n;
          advance(n);
          continue;
        }
        if (found && !take) return; // the file is read; ignore the rest
        if (buf.length < BLOCK) {
          pending = Buffer.from(buf);
          return;
        }
        const header = buf.subarray(0, BLOCK);
        advance(BLOCK);
        if (header.every((b) => b === 0)) continue;
        const size = parseInt(header.subarray(124, 136).toString().replace(/\0.*$/s, '').trim() || '0', 8);
        const type = String.fromCharCode(header[156] || 0x30);
        if (type === '0') {
          found = { size, start: offset };
          take = size;
          if (!take) return;
        } else {
          skip = Math.ceil(size / BLOCK) * BLOCK;
        }
      }
    },
    start: () => found?.start,
    file: () => (found && !take ? { size: found.size, sha256: hash.digest('hex'), start: found.start } : undefined),
  };
}

/**
 * GET `path` on the daemon's socket; resolves { status, bytes, sha256 } of the body, `state`
 * (the body's sha256 state, to go on hashing what is appended) and, with `tar`, `file`:
 * { size, sha256, start } of the archive's regular file (undefined if there is none).
 */
export function directSha(socket, path, { tar = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'GET', path }, (res) => {
      const whole = createHash('sha256');
      const inner = tar ? tarFileHasher() : undefined;
      let bytes = 0;
      res.on('data', (c) => {
        bytes += c.length;
        whole.update(c);
        inner?.update(c);
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes, sha256: whole.copy().digest('hex'), state: whole, file: inner?.file() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** PUT the tar file `tarFile` into container `id` at `dir` over the daemon's socket; resolves the status. */
export function putArchive(socket, id, dir, tarFile) {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: socket, method: 'PUT', path: `/containers/${id}/archive?path=${encodeURIComponent(dir)}`, headers: { 'Content-Type': 'application/x-tar', 'Content-Length': statSync(tarFile).size } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    createReadStream(tarFile).pipe(req);
  });
}
