/**
 * Everything the scenarios need inside the private daemon: the busybox image (built from the
 * machine's busybox-static, there is no registry), 50 running containers for
 * `containers/json`, a container holding the stream blob, a container whose log is the
 * stream size, a 4 KiB ContainerCreate body, and the blob and tar files on the host; and the
 * sha256 of the cp-out archive and the log stream as the daemon's own socket gives them.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { importBusybox } from '../../scripts/lib/private-dockerd.mjs';
import { directSha } from './direct-read.mjs';
import { api, apiOk } from './docker-api.mjs';

/** Write `size` random bytes to `file`; returns its sha256. */
function writeRandom(file, size) {
  const fd = openSync(file, 'w');
  const hash = createHash('sha256');
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 1 << 20));
    hash.update(chunk);
    writeSync(fd, chunk);
    left -= chunk.length;
  }
  closeSync(fd);
  return hash.digest('hex');
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

/** A ContainerCreate body of exactly 4096 bytes that the `bench` rule's guards allow. */
export function createBody() {
  const base = { Image: 'busybox', Cmd: ['true'], Labels: { pad: '' }, HostConfig: { NetworkMode: 'none' } };
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

/**
 * Set up all fixtures; `size` is the stream size in bytes. Host files go to a new directory
 * under `parent` (the environment's root, which an interrupted bench removes).
 */
export async function setupFixtures(socket, size, containers = 50, parent = '/tmp') {
  const dir = mkdtempSync(join(parent, 'dgb-fix-'));
  await startIdleContainers(socket, containers);

  const blobSha = writeRandom(join(dir, 'blob'), size);
  const streams = await runContainer(socket, ['sleep', '100000'], 'bench-streams');
  const blobTar = await putTar(socket, streams, dir, 'blob', 'blob.tar');
  await apiOk(socket, 'POST', `/containers/${streams}/start`);

  const lines = writeLines(join(dir, 'logsrc'), size);
  const logs = await runContainer(socket, ['cat', '/logsrc'], 'bench-logs');
  await putTar(socket, logs, dir, 'logsrc', 'logsrc.tar');
  await apiOk(socket, 'POST', `/containers/${logs}/start`);
  await apiOk(socket, 'POST', `/containers/${logs}/wait`);

  const bodyFile = join(dir, 'create.json');
  writeFileSync(bodyFile, createBody());

  // cp in puts the blob at /tmp/blob; before each run an empty file takes its place, so what is
  // read back afterwards can only be what that run delivered.
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'empty', 'blob'), '');
  const emptyTar = join(dir, 'empty.tar');
  if (spawnSync('tar', ['-C', join(dir, 'empty'), '-cf', emptyTar, 'blob']).status !== 0) throw new Error('tar of the empty blob failed');

  const logBytes = size + 8 * lines;
  return {
    dir,
    size,
    blob: join(dir, 'blob'),
    blobSha,
    blobTar,
    streams,
    logs,
    // Docker's multiplexed log stream: an 8-byte frame header per line.
    logBytes,
    createBody: bodyFile,
    emptyTar,
    reference: await streamReferences(socket, { size, blobSha, streams, logs, logBytes }),
  };
}

/**
 * What the stream scenarios must receive on every target, read over the daemon's own socket:
 * the sha256 of the cp-out archive (whose file must be the blob) and of the log stream (whose
 * length must be the log size plus Docker's framing). Throws when the daemon itself does not
 * hold what the fixtures put there.
 */
export async function streamReferences(socket, f) {
  const archive = await directSha(socket, `/containers/${f.streams}/archive?path=/blob`, { tar: true });
  if (archive.status !== 200 || archive.file?.size !== f.size || archive.file?.sha256 !== f.blobSha) {
    throw new Error(`the daemon's /blob archive (status ${archive.status}, file ${JSON.stringify(archive.file)}) is not the ${f.size}-byte blob ${f.blobSha}`);
  }
  const logs = await directSha(socket, `/containers/${f.logs}/logs?stdout=1&stderr=1`);
  if (logs.status !== 200 || logs.bytes !== f.logBytes) throw new Error(`the daemon's log stream is ${logs.bytes} bytes (status ${logs.status}), expected ${f.logBytes}`);
  return { 'cp-out': archive.sha256, logs: logs.sha256 };
}

/** A fresh exec instance in the streams container that echoes `size` bytes of stdin. */
export async function newExec(socket, fixtures) {
  const r = await apiOk(socket, 'POST', `/containers/${fixtures.streams}/exec`, {
    AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: ['head', '-c', String(fixtures.size)],
  });
  return r.Id;
}

/** Remove containers created by the create scenarios (stopped, not part of the fixtures). */
export async function pruneCreated(socket) {
  // Only the bench's own (labelled) containers: the fixtures are stopped too and must stay.
  const filters = encodeURIComponent(JSON.stringify({ label: ['pad'] }));
  await api(socket, 'POST', `/containers/prune?filters=${filters}`);
}
