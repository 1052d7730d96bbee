/**
 * A stand-in registry for the end-to-end suites: a plain-HTTP server on loopback (port 0,
 * which dockerd reaches without TLS, as it treats 127.0.0.0/8 as an insecure registry) that
 * answers the Registry API v2 with the daemon's own `busybox:latest` under any name and tag,
 * and serves its root file system as a tar at `/rootfs.tar` (for `docker import URL`); `serve`
 * adds another image of the daemon's under one repository name (as if pushed there: its config,
 * labels included, comes back with a pull). `tags/list` answers `latest` for any repository, or
 * the tags `listTags` set (what `docker pull -a` fetches). No network is needed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dockerDirect, run } from './gateway.js';
import { scratchDir } from './scratch.js';

/** A running stand-in registry. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  host: string;
  /** The digest of the one manifest it serves (`sha256:…`), for pulls by digest (`R@sha256:…`). */
  digest: string;
  /** Request lines it has answered (`GET /v2/x/manifests/1`). */
  requests: string[];
  /**
   * Serve the daemon's `image` under `repository` (the path after the host, `team/app`), every
   * tag, from now on: what a push of it there would have made. Answers the manifest's digest.
   */
  serve: (repository: string, image: string) => Promise<string>;
  /** The tags `tags/list` answers for `repository` from now on (each served as above). */
  listTags: (repository: string, tags: string[]) => void;
  close: () => Promise<void>;
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An image as a registry serves it: the manifest, its blobs, and its last layer uncompressed. */
interface Served {
  manifest: Buffer;
  blobs: Map<string, Buffer>;
  rootfs: Buffer;
}

/** Save `image` from the daemon on `socket` as a registry serves it. */
async function savedImage(socket: string, image: string): Promise<Served> {
  const dir = scratchDir('registry-');
  const tar = join(dir, 'image.tar');
  const saved = await dockerDirect(socket, ['save', '-o', tar, image]);
  if (saved.code !== 0) throw new Error(`docker save ${image} failed: ${saved.stderr}`);
  const untar = await run('tar', ['-xf', tar, '-C', dir]);
  if (untar.code !== 0) throw new Error(`tar -x failed: ${untar.stderr}`);
  const [saveManifest] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[];
  if (!saveManifest) throw new Error('docker save wrote no manifest');
  const config = readFileSync(join(dir, saveManifest.Config));
  const rawLayers = saveManifest.Layers.map((l) => readFileSync(join(dir, l)));
  const layers = rawLayers.map((l) => gzipSync(l));
  const blobs = new Map<string, Buffer>([[sha(config), config], ...layers.map((l) => [sha(l), l] as [string, Buffer])]);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.length, digest: sha(l) })),
  }));
  return { manifest, blobs, rootfs: rawLayers[rawLayers.length - 1] ?? Buffer.alloc(0) };
}

/** Save busybox from the daemon on `socket` and serve it. */
export async function startBusyboxRegistry(socket: string): Promise<TestRegistry> {
  const busybox = await savedImage(socket, 'busybox:latest');
  const { manifest, rootfs } = busybox;
  const blobs = new Map(busybox.blobs);
  const byRepository = new Map<string, Buffer>();
  const tagLists = new Map<string, string[]>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(`${req.method ?? ''} ${url}`);
    const head = req.method === 'HEAD';
    const h = { 'Docker-Distribution-API-Version': 'registry/2.0' };
    const send = (type: string, body: Buffer, extra: Record<string, string> = {}): void => {
      res.writeHead(200, { ...h, 'Content-Type': type, 'Content-Length': String(body.length), ...extra });
      res.end(head ? undefined : body);
    };
    if (url === '/v2/') return send('application/json', Buffer.from('{}'));
    if (url === '/rootfs.tar') return send('application/x-tar', rootfs);
    const listed = /^\/v2\/(.+)\/tags\/list(?:\?.*)?$/.exec(url)?.[1];
    if (listed !== undefined) return send('application/json', Buffer.from(JSON.stringify({ name: listed, tags: tagLists.get(listed) ?? ['latest'] })));
    const repository = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(url)?.[1];
    if (repository !== undefined) {
      const served = byRepository.get(repository) ?? manifest;
      return send('application/vnd.docker.distribution.manifest.v2+json', served, { 'Docker-Content-Digest': sha(served) });
    }
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]+)$/.exec(url)?.[1];
    const body = blob === undefined ? undefined : blobs.get(blob);
    if (blob !== undefined && body !== undefined) return send('application/octet-stream', body, { 'Docker-Content-Digest': blob });
    res.writeHead(404, h);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    digest: sha(manifest),
    requests,
    serve: async (repository, image) => {
      const served = await savedImage(socket, image);
      for (const [digest, blob] of served.blobs) blobs.set(digest, blob);
      byRepository.set(repository, served.manifest);
      return sha(served.manifest);
    },
    listTags: (repository, tags) => {
      tagLists.set(repository, tags);
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
