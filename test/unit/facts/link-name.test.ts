import { describe, expect, it } from 'vitest';
import { buildFacts, planRequest } from '../../../src/facts/build-facts.js';
import { FactsError } from '../../../src/facts/errors.js';
import { isLinkName, takesContainerName } from '../../../src/facts/link-name.js';
import { OPERATIONS } from '../../../src/facts/operations.js';

/** The FactsError code buildFacts throws for a request, or `ok` with the operation it matched. */
function outcome(method: string, rawTarget: string): string {
  try {
    const facts = buildFacts({ method, rawTarget, headers: {} });
    return `ok ${facts.operation?.name ?? '(no route)'}`;
  } catch (err) {
    if (err instanceof FactsError) return err.code;
    throw err;
  }
}

describe('isLinkName: a "/" other than a single leading one', () => {
  it.each([
    ['a/b', true],
    ['/a/b', true],
    ['//a', true],
    ['a/', true],
    ['a/b/c', true],
    ['/a', false],
    ['a', false],
    ['0123abcd', false],
    ['', false],
  ])('%s -> %s', (name, expected) => {
    expect(isLinkName(name)).toBe(expected);
  });
});

/** Every container route with a `{name}`, as `METHOD path-with-NAME` (from the operation table). */
const CONTAINER_ROUTES = OPERATIONS.filter(takesContainerName).map((op) => [op.name, op.method === '*' ? 'GET' : op.method, op.pattern.replace(/\{name(:\.\*)?\}/, 'NAME').replace('{checkpoint}', 'cp')] as const);

describe('container routes refuse a link name before the policy (rev-redteam F2)', () => {
  it('covers the container routes dockerd registers', () => {
    const names = CONTAINER_ROUTES.map(([name]) => name);
    expect(names.length).toBeGreaterThanOrEqual(27);
    expect(names).toEqual(expect.arrayContaining(['ContainerExec', 'ContainerArchive', 'PutContainerArchive', 'ContainerArchiveInfo', 'ContainerDelete', 'ContainerRename', 'ContainerAttach', 'ContainerAttachWebsocket', 'ContainerCheckpointDelete', 'ContainerInspect', 'ContainerLogs']));
  });

  it.each(CONTAINER_ROUTES)('%s (%s %s): plain names pass, link names in every spelling are refused', (name, method, pattern) => {
    for (const plain of ['ci-x', 'f00dfeed']) {
      expect(outcome(method, `/v1.41${pattern.replace('NAME', plain)}`), plain).toBe(`ok ${name}`);
    }
    // `{name}` without `.*` (checkpoint delete) never holds a "/": the greedy ContainerDelete takes the path, refused too.
    for (const link of ['ci-x/db', 'ci-x%2Fdb', 'ci-x%2fdb', 'ci-x%2F%64b']) {
      const target = `/v1.41${pattern.replace('NAME', link)}`;
      expect(outcome(method, target), target).toBe('link-name');
      expect(outcome(method, target.replace('/v1.41', '')), target).toBe('link-name');
    }
  });

  it.each([
    // A leading "/" in the path param is an unclean path (`//`), refused as before.
    ['GET', '/containers/%2Fci-x/json', 'unclean-path'],
    ['GET', '/containers//ci-x/db/json', 'unclean-path'],
    ['GET', '/containers/ci-x/db/json', 'link-name'],
    ['POST', '/containers/ci-x/db/exec', 'link-name'],
    ['PUT', '/containers/ci-x%2Fdb/archive?path=/', 'link-name'],
    ['HEAD', '/containers/ci-x/db/archive?path=/', 'link-name'],
    ['DELETE', '/containers/ci-x/db', 'link-name'],
    ['DELETE', '/containers/ci-x/db?force=1', 'link-name'],
    ['DELETE', '/containers/ci-x/db/checkpoints/cp', 'link-name'],
    // Routes that are not a container's: names with "/" are theirs (images, plugins).
    ['GET', '/images/library/busybox/json', 'ok ImageInspect'],
    ['DELETE', '/images/a/b', 'ok ImageDelete'],
  ])('%s %s -> %s', (method, target, expected) => {
    expect(outcome(method, target)).toBe(expected);
  });

  it('says why, naming the link', () => {
    expect(() => buildFacts({ method: 'POST', rawTarget: '/v1.41/containers/ci-x%2Fdb/exec', headers: {} })).toThrow(
      /container name "ci-x\/db" is a legacy link's name .*dockerd would act on the linked container/,
    );
    // planRequest (what the HTTP layers call first, before the body and the policy) refuses it too.
    expect(() => planRequest('POST', '/containers/ci-x/db/exec', {})).toThrow(FactsError);
  });
});

describe('docker rm --link (DELETE /containers/<parent>/<alias>?link=<true>) is excepted', () => {
  // Each spelling dockerd's httputils.BoolValue reads as true: trimmed, lower-cased, not "", 0, no, false, none.
  it.each(['1', 'true', 'TRUE', 'True', 'yes', 't', '2', 'x', '%20true%20', '+1', 'on'])('link=%s: a link removal, passed to the policy', (value) => {
    expect(outcome('DELETE', `/v1.41/containers/ci-x/db?link=${value}`)).toBe('ok ContainerDelete');
    expect(outcome('DELETE', `/containers/ci-x%2Fdb?link=${value}&force=0`)).toBe('ok ContainerDelete');
  });

  // What BoolValue reads as false deletes the container the link names: not excepted.
  it.each(['0', 'false', 'FALSE', 'no', 'No', 'none', '', '%20', '+0+', '%090'])('link=%s: a container delete by a link name, refused', (value) => {
    expect(outcome('DELETE', `/v1.41/containers/ci-x/db?link=${value}`)).toBe('link-name');
  });

  it('only the first value counts, as FormValue takes it; a value Go could read otherwise is not excepted', () => {
    expect(outcome('DELETE', '/containers/ci-x/db?link=1&link=0')).toBe('ok ContainerDelete');
    expect(outcome('DELETE', '/containers/ci-x/db?link=0&link=1')).toBe('link-name');
    expect(outcome('DELETE', '/containers/ci-x/db?Link=1')).toBe('link-name');
    expect(outcome('DELETE', '/containers/ci-x/db?link=%C2%A01')).toBe('link-name');
  });

  it('the exception is for ContainerDelete only, and a plain name with link=1 is dockerd\'s own refusal', () => {
    expect(outcome('POST', '/containers/ci-x/db/kill?link=1')).toBe('link-name');
    expect(outcome('GET', '/containers/ci-x/db/json?link=1')).toBe('link-name');
    expect(outcome('DELETE', '/containers/ci-x?link=1')).toBe('ok ContainerDelete');
  });
});
