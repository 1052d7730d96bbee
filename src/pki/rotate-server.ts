/** `certs rotate-server`: a new server key and certificate from the same CA. */
import { openCaAndIndex } from './ca-and-index.js';
import { withIndexLock } from './index-lock.js';
import { normalizeHost, serverSans, type ServerSans } from './hosts.js';
import type { KeyType } from './key-pair.js';
import { issueLeaf } from './leaf-certificate.js';
import { serverSubject } from './names.js';
import { pkiPaths } from './paths.js';
import { type IndexEntry, writeIndex } from './pki-index.js';
import { serverIndexEntry, writeServerPair } from './server-pair-files.js';
import { DEFAULT_SERVER_DAYS, checkDays } from './validity.js';

/** Options of `rotateServer`. */
export interface RotateServerOptions {
  dir: string;
  /** Names or IPs to add to the SANs of the previous server certificate. */
  hosts?: string[];
  days?: number;
  keyType?: KeyType;
  now?: Date;
  machineName?: string;
}

/** Merges SAN lists, keeping first-seen order and dropping duplicates. */
export function mergeSans(a: ServerSans, b: ServerSans): ServerSans {
  return { dns: [...new Set([...a.dns, ...b.dns])], ip: [...new Set([...a.ip, ...b.ip])] };
}

/**
 * Replaces `server-key.pem` and `server-cert.pem` with a new pair whose SANs are the previous
 * server certificate's plus `hosts`. Each file is replaced atomically, key first; between the
 * two renames the pair on disk does not match, which the gateway's reload tolerates (it only
 * swaps in a pair whose key matches its certificate). The old certificate is not revoked.
 */
export async function rotateServer(opts: RotateServerOptions): Promise<IndexEntry> {
  return withIndexLock(pkiPaths(opts.dir).dir, () => rotateServerLocked(opts));
}

async function rotateServerLocked(opts: RotateServerOptions): Promise<IndexEntry> {
  const paths = pkiPaths(opts.dir);
  const now = opts.now ?? new Date();
  const days = checkDays(opts.days ?? DEFAULT_SERVER_DAYS, '--days');
  const { ca, index } = await openCaAndIndex(paths);
  const previous = index.certs.filter((e) => e.kind === 'server').at(-1);
  const added = (opts.hosts ?? []).map(normalizeHost);
  const fresh = serverSans([...index.hosts, ...added], opts.machineName);
  const sans = previous?.sans ? mergeSans(previous.sans, fresh) : fresh;
  const keyType = opts.keyType ?? previous?.keyType ?? 'ecdsa';

  const leaf = await issueLeaf(ca, { kind: 'server', subject: serverSubject(), keyType, days, now, sans });
  await writeServerPair(paths, leaf);

  const entry = serverIndexEntry(leaf, keyType, sans);
  index.hosts = [...new Set([...index.hosts, ...added])];
  index.certs.push(entry);
  await writeIndex(paths.index, index);
  return entry;
}
