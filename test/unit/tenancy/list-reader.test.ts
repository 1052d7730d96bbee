/**
 * The streaming list reader (src/tenancy/list-reader.ts): it must read exactly what Go's
 * encoding/json writes, cut at any byte, keep only what `select` keeps, count only that against
 * the cap, and refuse anything that is not one well-formed JSON document.
 */
import { describe, expect, it } from 'vitest';
import { DROP, ListReadError, readList, type ItemSelect } from '../../../src/tenancy/list-reader.js';

const keepAll: ItemSelect = (_k, item) => item;
const owner = (item: unknown): unknown => ((item as { Labels?: Record<string, string> } | null)?.Labels ?? {})['dockgate.owner'];
const bobs: ItemSelect = (key, item) => (key === 'BuildCache' || owner(item) === 'alice' ? DROP : item);

/** The answer cut into pieces of `size` bytes (every split point is tried by the tables). */
function pieces(text: string, size: number): Buffer[] {
  const b = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/** Go's encoding/json output for a value (HTML-safe escapes, as dockerd writes). */
function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026') + '\n';
}

const alice = { Id: 'sha256:a', Labels: { 'dockgate.owner': 'alice', big: 'x'.repeat(300) }, RepoTags: ['alice/img:1'] };
const bob = { Id: 'sha256:b', Labels: { 'dockgate.owner': 'bob', q: 'say "hi" \\ <&> \u00e9\u2028 \ud83d\ude00' }, RepoTags: ['bob/img:1'], Size: 12, VirtualSize: -1, SharedSize: 1.5e3 };
const unowned = { Id: 'sha256:c', Labels: null, RepoTags: ['busybox:latest'], Containers: -1 };

describe('readList: what is kept', () => {
  const cases: { name: string; doc: unknown; select: ItemSelect; want: unknown }[] = [
    { name: 'a top-level list, others dropped', doc: [alice, bob, unowned], select: bobs, want: [bob, unowned] },
    { name: 'an empty list', doc: [], select: bobs, want: [] },
    { name: 'null (dockerd 20.10 for no items)', doc: null, select: bobs, want: null },
    { name: 'an object with lists (system/df)', doc: { LayersSize: 123, Images: [alice, bob], Containers: null, Volumes: [unowned, alice], BuildCache: [{ ID: 'x' }] }, select: bobs, want: { LayersSize: 123, Images: [bob], Containers: null, Volumes: [unowned], BuildCache: [] } },
    { name: 'a volume list with warnings', doc: { Volumes: [alice, bob], Warnings: ['w1'] }, select: bobs, want: { Volumes: [bob], Warnings: ['w1'] } },
    { name: 'nested lists and objects in items', doc: [{ a: [[1, [2]], { b: { c: [] } }], s: '[{]}' }], select: keepAll, want: [{ a: [[1, [2]], { b: { c: [] } }], s: '[{]}' }] },
    { name: 'scalar items', doc: [1, -2.5e-3, true, false, null, 'x', ''], select: keepAll, want: [1, -2.5e-3, true, false, null, 'x', ''] },
    { name: 'a replacement value is kept in place', doc: [alice, bob], select: (_k, item) => ({ Id: (item as { Id: string }).Id }), want: [{ Id: 'sha256:a' }, { Id: 'sha256:b' }] },
    { name: 'an error message (not a list)', doc: { message: 'No such image: x' }, select: bobs, want: { message: 'No such image: x' } },
    { name: 'a top-level string', doc: 'x', select: bobs, want: 'x' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = goJson(c.doc);
      for (const size of [1, 2, 3, 7, 64, text.length]) expect(readList(pieces(text, size), c.select, 1 << 20), `pieces of ${size}`).toEqual(c.want);
    });
  }

  it('reads whitespace between tokens (indented JSON)', () => {
    const text = JSON.stringify({ Images: [bob, alice], N: 1 }, null, 2);
    for (const size of [1, 5, text.length]) expect(readList(pieces(text, size), bobs, 1 << 20)).toEqual({ Images: [bob], N: 1 });
  });

  it('an empty answer is undefined', () => {
    expect(readList([], bobs, 10)).toBeUndefined();
    expect(readList([Buffer.from('  \n')], bobs, 10)).toBeUndefined();
  });
});

describe('readList: the cap counts what is kept', () => {
  const big = (who: string, n: number) => ({ Id: who, Labels: { 'dockgate.owner': who, big: 'x'.repeat(n) } });
  it("another tenant's items, however large together, do not count", () => {
    const doc = [...Array.from({ length: 50 }, () => big('alice', 800)), big('bob', 10)];
    expect(readList(pieces(goJson(doc), 4096), (_k, i) => (owner(i) === 'bob' ? i : DROP), 1000)).toEqual([big('bob', 10)]);
  });
  // A dropped item never adds to what is kept: while it is read it counts alone, so the caller's
  // own kept items plus another tenant's single item under the cap pass (rev-fix-lists F3).
  it.each([
    ['kept items, then a dropped one that is under the cap alone', [big('bob', 400), big('alice', 900), big('bob', 10)], [big('bob', 400), big('bob', 10)]],
    ['a dropped one first, then kept items', [big('alice', 900), big('bob', 400), big('bob', 400)], [big('bob', 400), big('bob', 400)]],
  ])('%s', (_name, doc, want) => {
    for (const size of [1, 100, 4096]) expect(readList(pieces(goJson(doc), size), (_k, i) => (owner(i) === 'bob' ? i : DROP), 1000), `pieces of ${size}`).toEqual(want);
  });
  const over: { name: string; doc: unknown; select: ItemSelect }[] = [
    { name: 'kept items, then one more kept that is under the cap alone', doc: [big('bob', 400), big('bob', 900)], select: keepAll },
    { name: 'kept items over the cap', doc: [big('bob', 600), big('bob', 600)], select: keepAll },
    { name: 'one item over the cap, dropped or not', doc: [big('alice', 2000)], select: () => DROP },
    { name: 'a top-level value over the cap', doc: { Warnings: 'w'.repeat(2000) }, select: keepAll },
    { name: 'a scalar answer over the cap', doc: 'w'.repeat(2000), select: keepAll },
  ];
  for (const c of over) {
    it(`refuses ${c.name}`, () => {
      expect(() => readList(pieces(goJson(c.doc), 100), c.select, 1000)).toThrow(ListReadError);
    });
  }
});

describe('readList: fails closed on what is not one JSON document', () => {
  const bad = ['[', '[1,', '[1,]', '[,1]', '[1 2]', '[1]]', '[1] x', '{"a":1,}', '{"a" 1}', '{a:1}', '{"a":[1}', '[{"a":1]', '["abc]', '["a\\"]', '[tru]', '[01]', '[1e]', '{"a":1', '{"a":', '{', 'nul', '[{"Labels":{"x":"\\q"}}]', '{"a":[1],"b":[2,]}'];
  for (const text of bad) {
    it(JSON.stringify(text), () => {
      for (const size of [1, 3, text.length]) expect(() => readList(pieces(text, size), keepAll, 1 << 20)).toThrow(ListReadError);
    });
  }
});
