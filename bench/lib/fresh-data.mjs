/**
 * Stream data that differs per transfer, so that a target which caches answers or makes them up
 * cannot pass the stream checks, with what each transfer must then deliver predicted without
 * reading the stream again:
 * - cp out: a random nonce is written over the last NONCE_BYTES of /blob in the streams
 *   container (its modification time set back, so the archive's tar header stays the same);
 *   the archive's sha256 is the kept sha256 state of everything before the nonce, updated with
 *   the nonce and the archive's bytes after it.
 * - logs: a line naming a nonce is appended to the logs container's log (written to its PID 1's
 *   stdout from an exec); the log's sha256 is its running state updated with the new frame.
 * - exec: the echo ends with a nonce that only the exec's command (made on the daemon's socket,
 *   never seen by the target) prints.
 * All of it goes over the daemon's own socket, outside every target.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { directSha, tarFileHasher } from './direct-read.mjs';
import { api, apiOk } from './docker-api.mjs';

/** Bytes of the nonce written over the end of the cp-out blob (hex text). */
export const NONCE_BYTES = 32;
/** The modification time /blob is given back after each nonce (the tar header carries it). */
const BLOB_MTIME = 1700000000;

/** A fresh random nonce of NONCE_BYTES hex characters. */
export const newNonce = () => randomBytes(NONCE_BYTES / 2).toString('hex');

/** Inspect exec `id` on the daemon's socket until it no longer runs (at most `ms`); resolves the inspect. */
export async function execFinished(socket, id, ms = 10_000) {
  for (const end = Date.now() + ms; ; await sleep(100)) {
    const r = await apiOk(socket, 'GET', `/exec/${id}/json`);
    if (!r.Running || Date.now() > end) return r;
  }
}

/** Run `cmd` in `container` over the daemon's socket to its end; throws unless it exited 0. */
export async function execToEnd(socket, container, cmd) {
  const { Id } = await apiOk(socket, 'POST', `/containers/${container}/exec`, { AttachStdout: true, AttachStderr: true, Cmd: cmd });
  const started = await api(socket, 'POST', `/exec/${Id}/start`, { Detach: false, Tty: false });
  const done = await execFinished(socket, Id);
  if (started.status !== 200 || done.Running || done.ExitCode !== 0) {
    throw new Error(`${cmd.join(' ')} in ${container}: start ${started.status}, running ${done.Running}, exit code ${done.ExitCode}`);
  }
}

/** Write `nonce` over the last NONCE_BYTES of /blob in the streams container; /blob's mtime is set back. */
export function writeBlobNonce(socket, f, nonce) {
  if (f.size % NONCE_BYTES || Buffer.byteLength(nonce) !== NONCE_BYTES) throw new Error(`blob size ${f.size} and nonce must be multiples of ${NONCE_BYTES}`);
  const script = `printf %s "$0" | dd of=/blob bs=${NONCE_BYTES} seek="$1" count=1 conv=notrunc 2>/dev/null && touch -d @${BLOB_MTIME} /blob`;
  return execToEnd(socket, f.streams, ['sh', '-c', script, nonce, String(f.size / NONCE_BYTES - 1)]);
}

/**
 * Read /blob's archive on the daemon's socket, whose last NONCE_BYTES are `nonce`, and keep
 * what predicts it for any other nonce. `blobHead`: the sha256 state of the blob's first
 * size - NONCE_BYTES bytes. Resolves { bytes, expect(nonce): sha256 }; throws when the archive's
 * file is not the blob with that nonce at its end.
 */
function archiveModel(socket, f, nonce, blobHead) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'GET', path: `/containers/${f.streams}/archive?path=/blob` }, (res) => {
      const whole = createHash('sha256');
      const tar = tarFileHasher();
      const after = [];
      let offset = 0;
      let cut;
      let before;
      res.on('data', (c) => {
        tar.update(c);
        if (cut === undefined && tar.start() !== undefined) cut = tar.start() + f.size - NONCE_BYTES;
        if (!before && cut !== undefined && offset + c.length > cut) {
          whole.update(c.subarray(0, cut - offset));
          before = whole.copy();
          whole.update(c.subarray(cut - offset));
        } else whole.update(c);
        if (cut !== undefined && offset + c.length > cut + NONCE_BYTES) after.push(Buffer.from(c.subarray(Math.max(0, cut + NONCE_BYTES - offset))));
        offset += c.length;
      });
      res.on('end', () => {
        const file = tar.file();
        const want = blobHead.copy().update(nonce).digest('hex');
        if (res.statusCode !== 200 || !before || file?.size !== f.size || file?.sha256 !== want) {
          return reject(new Error(`the daemon's /blob archive (status ${res.statusCode}, file ${JSON.stringify(file)}) is not the ${f.size}-byte blob ending in nonce ${nonce} (${want})`));
        }
        const tail = Buffer.concat(after);
        const expect = (n) => before.copy().update(n).update(tail).digest('hex');
        if (expect(nonce) !== whole.digest('hex')) return reject(new Error('the archive model does not give back the archive it was read from'));
        resolve({ bytes: offset, expect });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Set up cp out's fresh data: a first nonce, the archive read once to build the model, then a
 * second nonce and one more full read on the daemon's socket, which must be what the model
 * predicts (the header did not change, only the nonce did). Resolves the model
 * ({ bytes, expect(nonce) }).
 */
export async function cpOutModel(socket, f, blobHead) {
  const first = newNonce();
  await writeBlobNonce(socket, f, first);
  const model = await archiveModel(socket, f, first, blobHead);
  const second = newNonce();
  await writeBlobNonce(socket, f, second);
  const read = await directSha(socket, `/containers/${f.streams}/archive?path=/blob`);
  if (read.bytes !== model.bytes || read.sha256 !== model.expect(second)) {
    throw new Error(`with a new nonce the daemon's /blob archive is ${read.bytes} bytes, sha256 ${read.sha256}; predicted ${model.bytes}, ${model.expect(second)}`);
  }
  return model;
}

/** A line of Docker's multiplexed log stream on stdout: its 8-byte frame header, then `text`. */
export function stdoutFrame(text) {
  const data = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** The raw body of `GET path` on the daemon's socket. */
function rawGet(socket, path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'GET', path }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Wait (at most `ms`) until container `id`'s log, read on the daemon's socket, ends with `frame`. */
export async function logEndsWith(socket, id, frame, ms) {
  for (const end = Date.now() + ms; ; await sleep(100)) {
    const last = await rawGet(socket, `/containers/${id}/logs?stdout=1&stderr=1&tail=1`);
    if (last.equals(frame)) return;
    if (Date.now() > end) throw new Error(`the log of ${id} ends with ${JSON.stringify(last.toString().slice(-80))}, not ${JSON.stringify(frame.toString().slice(8))}`);
  }
}

/**
 * Append a line naming a fresh nonce to the logs container's log (its PID 1's stdout, from an
 * exec), wait until the daemon's log ends with it, and update `model` ({ bytes, state }: the
 * log's length and running sha256 state). Resolves what the log stream must now be:
 * { bytes, sha256 }.
 */
export async function appendLogLine(socket, f, model) {
  const line = `bench-log-${newNonce()}`;
  await execToEnd(socket, f.logs, ['sh', '-c', 'echo "$0" > /proc/1/fd/1', line]);
  const frame = stdoutFrame(`${line}\n`);
  await logEndsWith(socket, f.logs, frame, 10_000);
  model.state.update(frame);
  model.bytes += frame.length;
  return { bytes: model.bytes, sha256: model.state.copy().digest('hex') };
}
