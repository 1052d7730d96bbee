/**
 * The after-the-fact check of a tenant's BuildKit build (build-result-check.ts) against an
 * in-memory image store: every image the answer names is checked and, when the result is
 * refused, undone (rev-fix-lists F2: with `squash` on a daemon with --experimental, dockerd
 * names the exported image and then the squashed one; only the last was checked, the first
 * stayed untagged with another tenant's labels). The CI's daemon has no --experimental, so
 * the two-ID stream is tested here rather than end to end.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { buildResultCheck, buildTags } from '../../../src/tenancy/build-result-check.js';
import type { TenancyContext } from '../../../src/tenancy/context.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const ALICE = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };
const CAROL = { 'dockgate.owner': 'carol', 'dockgate.team': 'data' };

/** Images by ID (their labels) and tags by reference, as dockerd's image store holds them. */
class ImageStore implements DaemonClient {
  constructor(
    readonly images: Map<string, JsonObject>,
    readonly tags: Map<string, string>,
  ) {}

  private answer(status: number, json: unknown): Promise<DaemonAnswer> {
    return Promise.resolve({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });
  }

  private find(ref: string): string | undefined {
    return this.images.has(ref) ? ref : this.tags.get(ref);
  }

  private refOf(path: string): string {
    return decodeURIComponent(path.replace(/^\/images\//, '').replace(/(\/json|\?.*|\/tag\?.*)$/, ''));
  }

  get(path: string): Promise<DaemonAnswer> {
    const found = this.find(this.refOf(path));
    if (found === undefined) return this.answer(404, { message: 'No such image' });
    const tags = [...this.tags].filter(([, v]) => v === found).map(([k]) => k);
    return this.answer(200, { Id: found, RepoTags: tags, RepoDigests: [], Config: { Labels: this.images.get(found) } });
  }

  delete(path: string): Promise<DaemonAnswer> {
    const ref = this.refOf(path);
    const found = this.find(ref);
    if (found === undefined) return this.answer(404, { message: 'No such image' });
    if (ref !== found) this.tags.delete(ref);
    else if ([...this.tags.values()].includes(found)) return this.answer(409, { message: 'image is referenced in multiple repositories' });
    // dockerd deletes an image with its last reference.
    if (![...this.tags.values()].includes(found)) this.images.delete(found);
    return this.answer(200, []);
  }

  post(path: string): Promise<DaemonAnswer> {
    const [target, query] = path.replace(/^\/images\//, '').split('/tag?') as [string, string];
    const found = this.find(decodeURIComponent(target));
    if (found === undefined) return this.answer(404, { message: 'No such image' });
    const q = new URLSearchParams(query);
    this.tags.set(`${q.get('repo')}:${q.get('tag')}`, found);
    return this.answer(201, {});
  }
}

function context(daemon: DaemonClient, query: Record<string, string>, t: string[]): TenancyContext {
  const facts = { query, queryAll: { t }, operation: { name: 'ImageBuild' } };
  return { tenant: { name: 'alice', team: 'web' }, daemon, req: { method: 'POST', target: '/build', facts } } as unknown as TenancyContext;
}

const idMessage = (image: string) => `{"id":"moby.image.id","aux":{"ID":"${image}"}}\r\n`;
const trace = `{"id":"moby.buildkit.trace","aux":"${Buffer.from('x').toString('base64')}"}\r\n`;

interface Row {
  /** Images on the daemon before the build, and after it (what the build exported). */
  before: Record<string, JsonObject>;
  made: Record<string, JsonObject>;
  /** Tags before the build, and what the build pointed them at. */
  tagsBefore: Record<string, string>;
  tagsMade: Record<string, string>;
  /** The build's answer, and its `t`. */
  answer: string;
  t: string[];
  /** What is left: images and tags; and whether the result was refused. */
  images: string[];
  tags: Record<string, string>;
  refused: boolean;
}

describe('buildResultCheck: every image the answer names is checked and undone', () => {
  const A = id('a');
  const B = id('b');
  const BOB = id('e');
  it.each<[string, Row]>([
    ['squash: the exported image and the squashed one, both forged: both removed, with the tag', {
      before: {}, made: { [A]: CAROL, [B]: CAROL }, tagsBefore: {}, tagsMade: { 'sq:1': B },
      answer: trace + idMessage(A) + idMessage(B), t: ['sq:1'], images: [], tags: {}, refused: true,
    }],
    ['squash: the exported image forged, the squashed one labelled (checked all the same)', {
      before: {}, made: { [A]: CAROL, [B]: ALICE }, tagsBefore: {}, tagsMade: { 'sq:1': B },
      answer: idMessage(A) + idMessage(B), t: ['sq:1'], images: [], tags: {}, refused: true,
    }],
    ['squash: the squashed image forged, untagged: both removed', {
      before: {}, made: { [A]: ALICE, [B]: CAROL }, tagsBefore: {}, tagsMade: {},
      answer: idMessage(A) + idMessage(B), t: [], images: [], tags: {}, refused: true,
    }],
    ['squash: both labelled for alice: nothing removed', {
      before: {}, made: { [A]: ALICE, [B]: ALICE }, tagsBefore: {}, tagsMade: { 'sq:1': B },
      answer: idMessage(A) + idMessage(B), t: ['sq:1'], images: [A, B], tags: { 'sq:1': B }, refused: false,
    }],
    ['squash over a teammate\'s tag: both removed, the tag put back on bob\'s image', {
      before: { [BOB]: { 'dockgate.owner': 'bob', 'dockgate.team': 'web' } }, made: { [A]: CAROL, [B]: CAROL }, tagsBefore: { 'team:1': BOB }, tagsMade: { 'team:1': B },
      answer: idMessage(A) + idMessage(B), t: ['team:1'], images: [BOB], tags: { 'team:1': BOB }, refused: true,
    }],
    ['one image named twice is checked once', {
      before: {}, made: { [A]: CAROL }, tagsBefore: {}, tagsMade: {},
      answer: idMessage(A) + idMessage(A), t: [], images: [], tags: {}, refused: true,
    }],
    ['quiet (q=1): the ID line alone, forged, untagged: removed', {
      before: {}, made: { [A]: CAROL }, tagsBefore: {}, tagsMade: {},
      answer: `{"stream":"${A}\\n"}\r\n`, t: [], images: [], tags: {}, refused: true,
    }],
  ])('%s', async (_name, row) => {
    const images = new Map(Object.entries({ ...row.before, ...row.made }));
    const daemon = new ImageStore(new Map(Object.entries(row.before)), new Map(Object.entries(row.tagsBefore)));
    const quiet = row.answer.startsWith('{"stream"');
    const ctx = context(daemon, { version: '2', ...(quiet ? { q: '1' } : {}) }, row.t);
    const check = buildResultCheck(ctx, await buildTags(ctx));
    // The build runs: its images and tags appear on the daemon.
    for (const [k, v] of images) daemon.images.set(k, v);
    for (const [k, v] of Object.entries(row.tagsMade)) daemon.tags.set(k, v);
    for (const line of row.answer.split(/(?<=\n)/)) check.seen(Buffer.from(line));
    const outcome = await check.ended(true);
    expect(outcome.refusal !== undefined, outcome.refusal?.message).toBe(row.refused);
    expect([...daemon.images.keys()].sort()).toEqual([...row.images].sort());
    expect(Object.fromEntries(daemon.tags)).toEqual(row.tags);
  });

  it('names each image it removed when the answer named several', async () => {
    const daemon = new ImageStore(new Map(), new Map());
    const ctx = context(daemon, { version: '2' }, []);
    const check = buildResultCheck(ctx, await buildTags(ctx));
    daemon.images.set(A, CAROL).set(B, CAROL);
    check.seen(Buffer.from(idMessage(A) + idMessage(B)));
    const outcome = await check.ended(true);
    expect(outcome.refusal?.message).toBe(`dockgate: denied ImageBuild for alice: the BuildKit build's result is refused: the image it made (${'a'.repeat(12)}) has dockgate.owner="carol", dockgate.team="data", not your owner and team labels (a Dockerfile's "# syntax=" frontend decides an image's labels); the build had no tags; the image ${'b'.repeat(12)} was removed; the image ${'a'.repeat(12)} was removed`);
  });
});
