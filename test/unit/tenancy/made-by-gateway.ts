/**
 * Fake daemons in these tests hold containers made through the gateway: this wrapper gives
 * each container with an owner label the proof of creation (src/tenancy/container-seal.ts) the
 * gateway would have set, and has them run an image without labels (MADE_IMAGE), which it
 * answers itself. Containers without an owner label, and ones that already have an image or a
 * `dockgate.created` label, are left as the fake made them.
 */
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';

/** The image the wrapped fake's containers run: no labels. */
export const MADE_IMAGE = `sha256:${'9'.repeat(64)}`;

type Doc = Record<string, unknown>;

function labelsAt(doc: Doc, inConfig: boolean): Doc | undefined {
  const holder = inConfig ? (doc.Config as Doc | undefined) : doc;
  const labels = holder?.Labels;
  return typeof labels === 'object' && labels !== null && !Array.isArray(labels) ? (labels as Doc) : undefined;
}

/** `doc` (an inspect answer, or a list item) as made through the gateway. */
function made(doc: unknown, inConfig: boolean): unknown {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const d = doc as Doc;
  const labels = labelsAt(d, inConfig);
  if (!labels || typeof labels['dockgate.owner'] !== 'string' || labels['dockgate.created'] !== undefined) return doc;
  const sealed = { ...labels, 'dockgate.created': `made-${String(d.Id)}` };
  if (inConfig) return { Image: MADE_IMAGE, ...d, Config: { ...(d.Config as Doc), Labels: sealed } };
  return { ImageID: MADE_IMAGE, ...d, Labels: sealed };
}

function answer(a: DaemonAnswer, json: unknown): DaemonAnswer {
  return json === a.json ? a : { ...a, json, raw: Buffer.from(JSON.stringify(json)) };
}

/** `daemon`, its containers made through the gateway (the same object: its own fields stay). */
export function madeByGateway<D extends DaemonClient>(daemon: D): D {
  const get = daemon.get.bind(daemon);
  daemon.get = async (path: string) => {
    const decoded = decodeURIComponent(path);
    if (decoded === `/images/${MADE_IMAGE}/json`) {
      const json = { Id: MADE_IMAGE, RepoTags: [], Config: { Labels: {} } };
      return { status: 200, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' };
    }
    const a = await get(path);
    if (a.status !== 200) return a;
    if (/^\/containers\/json(\?|$)/.test(decoded) && Array.isArray(a.json)) return answer(a, a.json.map((c) => made(c, false)));
    if (/^\/containers\/.+\/json$/.test(decoded)) return answer(a, made(a.json, true));
    return a;
  };
  return daemon;
}
