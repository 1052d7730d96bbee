/**
 * Containers dockerd makes itself, carrying the labels of their image (rev-compose F0/F1,
 * rev-build 1/2): the classic builder's `RUN` containers under a Dockerfile `LABEL
 * dockgate.owner=alice dockgate.team=web` (and a forged `dockgate.created`), or `FROM` alice's
 * own image, and containers made before the gateway set `dockgate.created`, are nobody's:
 * alice may not exec into, stop, copy from or reference them, does not list them, and they
 * count in no quota of hers. Only imports createTenancy, so it runs against the code before
 * the fix too (where it fails). Driven through createTenancy().admit as the data path calls it.
 */
import { describe, expect, it } from 'vitest';
import type { Identity, JsonObject } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: [], volumes: [] },
  quotas: { default: { containers: 2, running: 1 }, groups: {}, users: {} },
};

const alice = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };
const ID = (d: string) => `sha256:${d.repeat(64)}`;
const BASE = ID('b');
/** carol's Dockerfile: `LABEL` alice's labels, a forged mark and compose's, then `RUN sleep 600`. */
const PLANT = ID('d');
const plantLabels = { ...alice, 'dockgate.created': 'forged', 'com.docker.compose.project': 'app', 'com.docker.compose.service': 'db' };
/** alice's own built image (a build gives no mark). */
const ALICE_IMG = ID('a');
/** alice's committed image: the mark of the container it was committed from. */
const COMMITTED = ID('c');
const committedLabels = { ...alice, 'dockgate.created': 'm0' };

const IMAGES: Record<string, Record<string, string>> = { [BASE]: {}, [PLANT]: plantLabels, [ALICE_IMG]: alice, [COMMITTED]: committedLabels };

interface C { name: string; image: string; labels: Record<string, string>; running: boolean; cmd?: string[] }
/** The command the classic builder gives the container of a `LABEL` step (rev-seal F1). */
const LABEL_STEP = ['/bin/sh', '-c', '#(nop) LABEL dockgate.owner=alice dockgate.team=web dockgate.created=forged'];
const CONTAINERS: C[] = [
  { name: 'mine', image: BASE, labels: { ...alice, 'dockgate.created': 'm1' }, running: false },
  { name: 'plant', image: PLANT, labels: plantLabels, running: true },
  { name: 'fromalice', image: ALICE_IMG, labels: alice, running: true },
  { name: 'fromcommit', image: COMMITTED, labels: committedLabels, running: true },
  { name: 'old', image: BASE, labels: alice, running: true },
  // A Dockerfile `LABEL` step's container: the new labels on the previous step's image (here
  // one without labels), so its mark differs from its image's; its command tells it apart.
  { name: 'labelstep', image: BASE, labels: plantLabels, running: true, cmd: LABEL_STEP },
];
const fullId = (name: string) => Buffer.from(name).toString('hex').padEnd(64, '0');
const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });

/** Whether `c` passes a list's `filters` (label, status), as dockerd reads them. */
function passes(c: C, filters: { label?: string[] | Record<string, boolean>; status?: string[] }): boolean {
  const labels = Array.isArray(filters.label) ? filters.label : Object.keys(filters.label ?? {});
  const ok = labels.every((l) => {
    const [k, ...v] = l.split('=');
    return v.length === 0 ? (k as string) in c.labels : c.labels[k as string] === v.join('=');
  });
  return ok && (!filters.status || (c.running ? filters.status.includes('running') : filters.status.includes('exited')));
}

function item(c: C) {
  return { Id: fullId(c.name), Names: [`/${c.name}`], Image: c.image, ImageID: c.image, Command: (c.cmd ?? ['sleep', '600']).join(' '), Labels: c.labels, State: c.running ? 'running' : 'exited', Mounts: [] };
}

/** A fake daemon; `newestFirst` lists CONTAINERS last to first (the builder step is then the newest). */
function daemon(imageStatus = 200, newestFirst = false): DaemonClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    get(path) {
      paths.push(path);
      const p = decodeURIComponent(path);
      const img = /^\/images\/(.*)\/json$/.exec(p)?.[1];
      if (img === 'busybox') return Promise.resolve(answer(200, { Id: BASE, RepoTags: ['busybox:latest'], Config: { Labels: {} } }));
      if (img === 'marked') return Promise.resolve(answer(200, { Id: BASE, RepoTags: ['marked:latest'], Config: { Labels: {}, Cmd: ['sh', '-c', '#(nop) x; sleep 300'] } }));
      if (img !== undefined) {
        if (imageStatus !== 200) return Promise.resolve(answer(imageStatus, { message: 'boom' }));
        const labels = IMAGES[img];
        return Promise.resolve(labels === undefined ? answer(404, { message: 'No such image' }) : answer(200, { Id: img, Config: { Labels: labels } }));
      }
      const list = /^(?:\/v[\d.]+)?\/containers\/json(?:\?(.*))?$/.exec(p);
      if (list) {
        const query = new URLSearchParams(list[1] ?? '');
        const raw = query.get('filters');
        const filters = raw ? (JSON.parse(raw) as Parameters<typeof passes>[1]) : {};
        const selected = (newestFirst ? [...CONTAINERS].reverse() : CONTAINERS).filter((c) => passes(c, filters)).map(item);
        // dockerd stops after `limit` of what its filters select.
        const limit = Number(query.get('limit') ?? '0');
        return Promise.resolve(answer(200, limit > 0 ? selected.slice(0, limit) : selected));
      }
      if (/^(?:\/v[\d.]+)?\/system\/df/.test(p)) return Promise.resolve(answer(200, { Containers: CONTAINERS.map(item), Images: [], Volumes: [] }));
      const c = CONTAINERS.find((x) => p === `/containers/${x.name}/json` || p === `/containers/${fullId(x.name)}/json`);
      if (!c) return Promise.resolve(answer(404, { message: `No such container: ${p}` }));
      const [exe, ...args] = c.cmd ?? ['sleep', '600'];
      return Promise.resolve(answer(200, { Id: fullId(c.name), Name: `/${c.name}`, Path: exe, Args: args, Image: c.image, Config: { Image: c.image, Cmd: c.cmd ?? ['sleep', '600'], Labels: c.labels }, HostConfig: {}, Mounts: [], State: { Running: c.running } }));
    },
  };
}

function identity(name: string, groups: string[]): Identity {
  return { name, groups, organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}
const GROUPS: Record<string, string[]> = { alice: ['web'], bob: ['web'], carol: ['data'], root: ['ops'] };

function admit(who: string, method: string, target: string, body?: unknown, d: DaemonClient = daemon(), s: TenancySpec = spec): Promise<TenancyVerdict> {
  const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const facts = buildFacts({ method, rawTarget: target, headers: raw ? { 'content-type': 'application/json' } : {}, body: raw });
  return createTenancy({ daemon: d, spec: () => s, groups: (id) => id.groups }).admit({ identity: identity(who, GROUPS[who] ?? []), facts, body: raw, method, target });
}

function listed(v: TenancyVerdict): string[] {
  expect(v.kind, JSON.stringify(v)).toBe('respond');
  if (v.kind !== 'respond') return [];
  const doc = JSON.parse(v.body.toString()) as { Names: string[] }[] | { Containers: { Names: string[] }[] };
  return (Array.isArray(doc) ? doc : doc.Containers).map((c) => c.Names[0] ?? '');
}

function sentBody(v: TenancyVerdict): JsonObject {
  expect(v.kind, JSON.stringify(v)).toBe('forward');
  return v.kind === 'forward' && v.body ? (JSON.parse(v.body.toString()) as JsonObject) : {};
}

const NOT_ALICES = ['plant', 'fromalice', 'fromcommit', 'old', 'labelstep'];

describe("containers whose labels name alice but that the gateway did not make for her are nobody's", () => {
  it.each(NOT_ALICES.flatMap((name) => [
    [name, 'exec', 'POST', `/v1.41/containers/${name}/exec`, { Cmd: ['sh'] }],
    [name, 'stop', 'POST', `/v1.41/containers/${name}/stop`, undefined],
    [name, 'cp from', 'GET', `/v1.41/containers/${name}/archive?path=/`, undefined],
    [name, 'attach', 'POST', `/v1.41/containers/${name}/attach?stream=1`, undefined],
    [name, 'inspect', 'GET', `/v1.41/containers/${name}/json`, undefined],
    [name, 'logs', 'GET', `/v1.41/containers/${name}/logs?stdout=1`, undefined],
    [name, 'commit', 'POST', `/v1.41/commit?container=${name}&repo=stolen&tag=1`, {}],
    [name, '--volumes-from', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { VolumesFrom: [name] } }],
    [name, '--network container:', 'POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: `container:${name}` } }],
  ]))('%s: alice\'s %s is refused', async (name, _what, method, target, body) => {
    for (const who of ['alice', 'bob']) {
      const v = await admit(who, method as string, target as string, body);
      expect(v.kind, `${who}: ${JSON.stringify(v)}`).toBe('deny');
      if (v.kind === 'deny') expect(v.message).toMatch(new RegExp(`"${name}".*(has no owner|belongs to another tenant)`));
    }
  });

  it("alice's own container is hers (exec, stop, inspect)", async () => {
    expect((await admit('alice', 'POST', '/v1.41/containers/mine/exec', { Cmd: ['sh'] })).kind).toBe('forward');
    expect((await admit('alice', 'POST', '/v1.41/containers/mine/stop')).kind).toBe('forward');
    expect((await admit('bob', 'GET', '/v1.41/containers/mine/json')).kind).toBe('forward');
  });

  it("alice's docker ps (and compose's label-filtered ps) lists only her own", async () => {
    const d = daemon();
    expect(listed(await admit('alice', 'GET', '/v1.41/containers/json?all=1', undefined, d))).toEqual(['/mine']);
    const compose = encodeURIComponent(JSON.stringify({ label: ['com.docker.compose.project=app', 'com.docker.compose.service=db'] }));
    expect(listed(await admit('alice', 'GET', `/v1.41/containers/json?all=1&filters=${compose}`, undefined, d))).toEqual([]);
    // The daemon was asked with the team's label added to the client's filters.
    expect(d.paths.filter((p) => p.includes('/containers/json')).every((p) => decodeURIComponent(p).includes('dockgate.team=web'))).toBe(true);
  });

  it('docker ps -l / -n: the limit counts only hers, applied after the gateway filtered (rev-seal2 F5)', async () => {
    const d = daemon(200, true);
    expect(listed(await admit('alice', 'GET', '/v1.41/containers/json?limit=1', undefined, d))).toEqual(['/mine']);
    expect(listed(await admit('alice', 'GET', '/v1.41/containers/json?limit=3&all=0', undefined, d))).toEqual(['/mine']);
    const asked = d.paths.filter((p) => p.includes('/containers/json')).map((p) => new URLSearchParams(p.split('?')[1]));
    expect(asked.map((q) => [q.get('limit'), q.getAll('all')])).toEqual([
      [null, ['1']],
      [null, ['1']],
    ]);
    // No limit, 0 or one dockerd refuses: left as it is.
    expect(listed(await admit('alice', 'GET', '/v1.41/containers/json?all=1&limit=0', undefined, daemon(200, true)))).toEqual(['/mine']);
  });

  it('system df shows only her own', async () => {
    expect(listed(await admit('alice', 'GET', '/v1.41/system/df'))).toEqual(['/mine']);
  });

  it('they count in no quota of hers: a create (2 containers) and a start (1 running) pass', async () => {
    const create = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox' });
    expect(create.kind, JSON.stringify(create)).toBe('forward');
    if (create.kind === 'forward') create.release?.();
    const start = await admit('alice', 'POST', '/v1.41/containers/mine/start');
    expect(start.kind, JSON.stringify(start)).toBe('forward');
    if (start.kind === 'forward') start.release?.();
  });

  it('with containers in unowned: they are read only, as any container without an owner', async () => {
    const s: TenancySpec = { ...spec, unowned: ['images', 'containers'] };
    expect((await admit('alice', 'GET', '/v1.41/containers/plant/json', undefined, daemon(), s)).kind).toBe('forward');
    const v = await admit('alice', 'POST', '/v1.41/containers/plant/exec', { Cmd: ['sh'] }, daemon(), s);
    expect(v).toMatchObject({ kind: 'deny', message: expect.stringContaining('"plant" has no owner: tenants may only read it') });
    expect(listed(await admit('carol', 'GET', '/v1.41/containers/json?all=1', undefined, daemon(), s))).toEqual(NOT_ALICES.map((n) => `/${n}`));
  });

  it("a container prune selects only containers with a mark (dockerd cannot compare it with the image's)", async () => {
    const v = await admit('alice', 'POST', '/v1.41/containers/prune');
    expect(v.kind).toBe('forward');
    if (v.kind === 'forward') expect(JSON.parse(new URLSearchParams(v.target?.split('?')[1]).get('filters') ?? '{}')).toEqual({ label: { 'dockgate.owner=alice': true, 'dockgate.created': true } });
  });

  it('an image look-up that fails refuses the request (fail closed)', async () => {
    await expect(admit('alice', 'POST', '/v1.41/containers/mine/exec', { Cmd: ['sh'] }, daemon(500))).rejects.toThrow('daemon answered 500');
    await expect(admit('alice', 'GET', '/v1.41/containers/json', undefined, daemon(500))).rejects.toThrow('daemon answered 500');
  });
});

describe('every container the gateway creates under tenancy gets a fresh dockgate.created', () => {
  it("a tenant's create: 32 hex digits, another each time, on the container only", async () => {
    const body = { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'volume', Target: '/data' }] } };
    const a = sentBody(await admit('alice', 'POST', '/v1.41/containers/create', body, daemon(), { ...spec, quotas: { default: {}, groups: {}, users: {} } }));
    const b = sentBody(await admit('alice', 'POST', '/v1.41/containers/create', body, daemon(), { ...spec, quotas: { default: {}, groups: {}, users: {} } }));
    const mark = (x: JsonObject) => (x.Labels as Record<string, string>)['dockgate.created'];
    expect(mark(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(mark(b)).toMatch(/^[0-9a-f]{32}$/);
    expect(mark(a)).not.toBe(mark(b));
    expect(JSON.stringify((a.HostConfig as { Mounts: unknown[] }).Mounts)).not.toContain('dockgate.created');
  });

  it('a tenant may not set it', async () => {
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', Labels: { 'dockgate.created': 'x' } });
    expect(v).toMatchObject({ kind: 'deny', code: 'reserved-label' });
  });

  it("an admin's create gets one too, over any the body gives; its other labels stay", async () => {
    const sent = sentBody(await admit('root', 'POST', '/v1.41/containers/create?name=for-alice', { Image: 'busybox', Labels: { ...alice, 'dockgate.created': 'chosen', note: 'n' } }));
    expect(sent.Labels).toMatchObject({ ...alice, note: 'n' });
    expect((sent.Labels as Record<string, string>)['dockgate.created']).toMatch(/^[0-9a-f]{32}$/);
  });

  it("an admin's create of alice's image, with no labels, is no one's: empty owner and team over the image's (rev-seal2 F1)", async () => {
    const sent = sentBody(await admit('root', 'POST', '/v1.41/containers/create?name=opsdebug', { Image: ALICE_IMG, HostConfig: { Binds: ['/srv:/host'] } }));
    expect(sent.Labels).toMatchObject({ 'dockgate.owner': '', 'dockgate.team': '' });
  });

  it("an admin's create for alice without a team label: an empty team, not the image's", async () => {
    const sent = sentBody(await admit('root', 'POST', '/v1.41/containers/create', { Image: ALICE_IMG, Labels: { 'dockgate.owner': 'alice' } }));
    expect(sent.Labels).toMatchObject({ 'dockgate.owner': 'alice', 'dockgate.team': '' });
  });

  it("an admin's service: its task containers' labels name and prove no one (rev-seal2 F2)", async () => {
    const spec = { Name: 'adm1', TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { ...alice, 'dockgate.created': 'deadbeef' } } } };
    for (const target of ['/v1.41/services/create', '/v1.41/services/adm1/update?version=3']) {
      const sent = sentBody(await admit('root', 'POST', target, spec));
      expect(sent).toEqual({ Name: 'adm1', TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { 'dockgate.owner': '', 'dockgate.team': '', 'dockgate.created': '' } } } });
    }
  });

  it("an admin's create without a body goes as it is", async () => {
    const v = await admit('root', 'POST', '/v1.41/containers/create');
    expect(v).toMatchObject({ kind: 'forward' });
    if (v.kind === 'forward') expect(v.body).toBeUndefined();
  });
});

describe("a create whose command holds the classic builder's step mark is refused (it would be no one's)", () => {
  it.each([
    ['Cmd list', { Image: 'busybox', Cmd: LABEL_STEP }],
    ['Cmd string', { Image: 'busybox', Cmd: 'sh -c "#(nop) x"' }],
    ['Entrypoint list', { Image: 'busybox', Entrypoint: ['#(nop) LABEL a=b'] }],
    ['Cmd spelled cmd', { Image: 'busybox', cmd: ['/bin/sh', '-c', '#(nop) ENV a=b'] }],
    ['split over two arguments (the list shows "#(nop) x": rev-fix-seal N1)', { Image: 'busybox', Cmd: ['sh', '-c', 'sleep 1000', '#(nop)', 'x'] }],
    ['split over the Entrypoint and the Cmd', { Image: 'busybox', Entrypoint: ['sh', '-c', 'sleep 1000', '#(nop)'], Cmd: ['x'] }],
    ['split before a null element (Go decodes it as "": listed "sleep 1000 #(nop) ", rev-late F1)', { Image: 'busybox', Cmd: ['sleep', '1000', '#(nop)', null] }],
    ['split before a null element of the Entrypoint', { Image: 'busybox', Entrypoint: ['sleep', '1000', '#(nop)', null] }],
  ])('%s', async (_name, body) => {
    const v = await admit('alice', 'POST', '/v1.41/containers/create', body);
    expect(v.kind, JSON.stringify(v)).toBe('deny');
    if (v.kind === 'deny') expect(v.code).toBe('builder-mark');
  });

  it("an image whose command holds it, the body giving none: refused (dockerd would copy the image's)", async () => {
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'marked' });
    expect(v.kind, JSON.stringify(v)).toBe('deny');
    if (v.kind === 'deny') expect(v.code).toBe('builder-mark');
    expect((await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'marked', Cmd: [] })).kind).toBe('deny');
  });

  it.each([
    ['--entrypoint echo, no args', { Image: 'marked', Entrypoint: ['echo'], Cmd: null }],
    ['Cmd "" (a list of one)', { Image: 'marked', Cmd: '' }],
    ['Cmd [""]', { Image: 'marked', Cmd: [''] }],
  ])("the image's marked Cmd that dockerd does not copy (rev-seal2 F4): %s is created", async (_name, body) => {
    const v = await admit('alice', 'POST', '/v1.41/containers/create', body);
    expect(v.kind, JSON.stringify(v)).toBe('forward');
  });

  it('Entrypoint [] (empty, not nil): dockerd copies the Cmd, refused', async () => {
    const v = await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'marked', Entrypoint: [] });
    expect(v).toMatchObject({ kind: 'deny', code: 'builder-mark' });
  });

  it('the same image with a command of the body: created', async () => {
    expect((await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'marked', Cmd: ['true'] })).kind).toBe('forward');
  });

  it('a command without it is created', async () => {
    expect((await admit('alice', 'POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['echo', '#(nop)x', '# (nop) '] })).kind).toBe('forward');
  });
});
