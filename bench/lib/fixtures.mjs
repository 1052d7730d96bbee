/**
 * Everything the scenarios need inside the private daemon: the busybox image (built from the
 * machine's busybox-static, there is no registry); running containers for `containers/json`
 * to list, 50 in all: a container holding the stream blob, a container whose log is the
 * stream size (both stay up) and 48 idle ones; the blob and tar files on the host (the 4 KiB
 * ContainerCreate bodies are made per create run: createBody, create-run.mjs); and what the
 * cp-out archive and the log stream are on the daemon's own socket, as models that predict
 * them after each transfer's fresh data (fresh-data.mjs).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { importBusybox } from '../../scripts/lib/private-dockerd.mjs';
import { directSha } from './direct-read.mjs';
import { api, apiOk } from './docker-api.mjs';
import { NONCE_BYTES, cpOutModel, logEndsWith, stdoutFrame } from './fresh-data.mjs';

/**
 * Write `size` random bytes to `file`; returns its sha256, and the sha256 states (to go on
 * hashing) of the whole file (`state`) and of all but its last NONCE_BYTES (`head`).
 */
function writeRandom(file, size) {
  const fd = openSync(file, 'w');
  const hash = createHash('sha256');
  let head;
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 1 << 20));
    // Where the chunk crosses the last NONCE_BYTES: keep the state before them.
    const cut = chunk.length - (NONCE_BYTES - (left - chunk.length));
    if (!head && cut >= 0 && cut <= chunk.length) {
      hash.update(chunk.subarray(0, cut));
      head = hash.copy();
      hash.update(chunk.subarray(cut));
    } else hash.update(chunk);
    writeSync(fd, chunk);
    left -= chunk.length;
  }
  closeSync(fd);
  return { sha256: hash.copy().digest('hex'), state: hash, head };
}

/** Write `size` bytes of 1 KiB text lines; returns the line count. */
function writeLines(file, size) {
  const line = 'x'.repeat(1023) + '\n';
  const block = line.repeat(1024);
  const fd = openSync(file, 'w');
  for (let left = size; left > 0; left -= block.length) writeSync(fd, left >= block.length ? block : block.slice(0, left));
  closeSync(fd);
  return Math.ceil(size / 1024);
}

async function runContainer(socket, cmd, name) {
  const created = await apiOk(socket, 'POST', `/containers/create${name ? `?name=${name}` : ''}`, { Image: 'busybox', Cmd: cmd, HostConfig: { NetworkMode: 'none' } });
  return created.Id;
}

async function putTar(socket, id, dir, file, tarName) {
  const tar = join(dir, tarName);
  if (spawnSync('tar', ['-C', dir, '-cf', tar, file]).status !== 0) throw new Error(`tar of ${file} failed`);
  const put = spawnSync('docker', ['-H', `unix://${socket}`, 'cp', '-', `${id}:/`], { input: undefined, stdio: [openSync(tar, 'r'), 'pipe', 'pipe'] });
  if (put.status !== 0) throw new Error(`docker cp into ${id} failed: ${put.stderr}`);
  return tar;
}

/** The label that marks the containers of one create run: its value is random per run. */
export const RUN_LABEL = 'dockgate-bench-run';

/**
 * A ContainerCreate body of exactly 4096 bytes that the `bench` rule's guards allow (the
 * `bench-denied` rule's refuse it), labelled RUN_LABEL=run, so the containers one create run
 * made can be listed on the daemon's socket (create-run.mjs, which writes one per run).
 */
export function createBody(run) {
  const base = { Image: 'busybox', Cmd: ['true'], Labels: { pad: '', [RUN_LABEL]: run }, HostConfig: { NetworkMode: 'none' } };
  const empty = Buffer.byteLength(JSON.stringify(base));
  base.Labels.pad = 'p'.repeat(4096 - empty);
  return Buffer.from(JSON.stringify(base));
}

/**
 * Import busybox and start `count` containers that sleep, for `containers/json` to list;
 * resolves their ids.
 */
export async function startIdleContainers(socket, count) {
  importBusybox(socket);
  const ids = [];
  for (let i = 0; i < count; i += 8) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 8); j += 1) batch.push(runContainer(socket, ['sleep', '100000']));
    ids.push(...(await Promise.all(batch)));
  }
  await Promise.all(ids.map((id) => apiOk(socket, 'POST', `/containers/${id}/start`)));
  return ids;
}

/** The fixtures' containers that stay up besides the idle ones: the streams and the logs containers. */
export const STREAM_CONTAINERS = 2;

/** The running containers the daemon lists (`GET /containers/json`), read on its socket. */
export async function listedContainers(socket) {
  return (await apiOk(socket, 'GET', '/containers/json')).length;
}

/**
 * Set up all fixtures; `size` is the stream size in bytes, `listed` the running containers
 * `GET /containers/json` lists once they are set up: the STREAM_CONTAINERS and as many idle
 * ones as make up the rest (checked on the daemon's socket; the result's `listed`). Host files
 * go to a new directory under `parent` (the environment's root, which an interrupted bench
 * removes).
 */
export async function setupFixtures(socket, size, listed = 50, parent = '/tmp') {
  if (!Number.isInteger(listed) || listed < STREAM_CONTAINERS) throw new Error(`the fixtures are ${STREAM_CONTAINERS} running containers at least, not ${listed}`);
  const dir = mkdtempSync(join(parent, 'dgb-fix-'));
  await startIdleContainers(socket, listed - STREAM_CONTAINERS);

  const blob = writeRandom(join(dir, 'blob'), size);
  const streams = await runContainer(socket, ['sleep', '100000'], 'bench-streams');
  const blobTar = await putTar(socket, streams, dir, 'blob', 'blob.tar');
  await apiOk(socket, 'POST', `/containers/${streams}/start`);

  // The logs container stays up after writing the log, so lines can be appended to it (its
  // PID 1's stdout, fresh-data.mjs); the last line says the log is complete.
  const lines = writeLines(join(dir, 'logsrc'), size);
  const logs = await runContainer(socket, ['sh', '-c', 'cat /logsrc && echo "$0" && exec sleep 100000', LOG_WRITTEN], 'bench-logs');
  await putTar(socket, logs, dir, 'logsrc', 'logsrc.tar');
  await apiOk(socket, 'POST', `/containers/${logs}/start`);
  const written = stdoutFrame(`${LOG_WRITTEN}\n`);
  await logEndsWith(socket, logs, written, 600_000);

  // cp in puts the blob at /tmp/blob; before each run an empty file takes its place, so what is
  // read back afterwards can only be what that run delivered.
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'empty', 'blob'), '');
  const emptyTar = join(dir, 'empty.tar');
  if (spawnSync('tar', ['-C', join(dir, 'empty'), '-cf', emptyTar, 'blob']).status !== 0) throw new Error('tar of the empty blob failed');

  // Docker's multiplexed log stream: an 8-byte frame header per line.
  const logBytes = size + 8 * lines + written.length;
  const running = await listedContainers(socket);
  if (running !== listed) throw new Error(`the daemon lists ${running} running containers after the fixtures' set-up, expected ${listed}`);
  const f = { dir, size, listed, blob: join(dir, 'blob'), blobSha: blob.sha256, blobState: blob.state, blobTar, streams, logs, emptyTar };
  return { ...f, ...(await streamModels(socket, f, blob.head, logBytes)) };
}

/** The last line of the logs container's log as set up, before any appended line. */
const LOG_WRITTEN = 'bench-log-written';

/**
 * What the stream scenarios must receive on every target, from the daemon's own socket:
 * `archive`, cp out's model (fresh-data.mjs: { bytes, expect(nonce) }, checked there against
 * two full reads of the archive, whose file must be the blob with the nonce at its end); and
 * `log` ({ bytes, state }: the log stream's length, which must be `logBytes`, and running
 * sha256 state, for appended lines). Throws when the daemon itself does not hold what the
 * fixtures put there.
 */
async function streamModels(socket, f, blobHead, logBytes) {
  const archive = await cpOutModel(socket, f, blobHead);
  const logs = await directSha(socket, `/containers/${f.logs}/logs?stdout=1&stderr=1`);
  if (logs.status !== 200 || logs.bytes !== logBytes) throw new Error(`the daemon's log stream is ${logs.bytes} bytes (status ${logs.status}), expected ${logBytes}`);
  return { archive, log: { bytes: logs.bytes, state: logs.state } };
}

/**
 * A fresh exec instance in the streams container that echoes `size` bytes of stdin and then
 * prints `nonce` on a line of its own (made on the daemon's socket: a target never sees it).
 */
export async function newExec(socket, fixtures, nonce) {
  const r = await apiOk(socket, 'POST', `/containers/${fixtures.streams}/exec`, {
    AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: ['sh', '-c', 'head -c "$0" && echo "$1"', String(fixtures.size), nonce],
  });
  return r.Id;
}

/** Remove containers created by the create scenarios (stopped, not part of the fixtures). */
export async function pruneCreated(socket) {
  // Only the bench's own (labelled) containers: the fixtures are stopped too and must stay.
  const filters = encodeURIComponent(JSON.stringify({ label: ['pad'] }));
  await api(socket, 'POST', `/containers/prune?filters=${filters}`);
}
