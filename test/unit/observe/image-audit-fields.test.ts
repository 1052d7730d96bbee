// The audit fields of image writes, exports, deletes and prunes, from the raw request as the
// gateway receives it (buildFacts: repeated keys, percent-encoding, form bodies, Go's JSON)
// to the written audit line, which must never hold a secret: Env values, `changes` values,
// X-Registry-Auth or X-Registry-Config.
import { describe, expect, it } from 'vitest';
import { type RawRequest, writtenAuditLine } from './fixtures.js';

const SECRET = 'hunter2-SECRET';
const AUTH = Buffer.from(JSON.stringify({ username: 'u', password: SECRET })).toString('base64url');
const JSON_CT = { 'content-type': 'application/json' };

interface Row extends RawRequest {
  name: string;
  want: unknown;
}

const q = encodeURIComponent;

const rows: Row[] = [
  {
    name: 'ImageCommit (docker commit -c ENV -c LABEL): container, repo, tag, change keywords, pause; never the ENV value',
    method: 'POST',
    target: `/v1.41/commit?author=&changes=${q(`ENV TOKEN=${SECRET}`)}&changes=${q('LABEL version=2')}&comment=&container=rc&repo=busybox&tag=p1`,
    headers: JSON_CT,
    body: 'null',
    want: { container: 'rc', repo: 'busybox', tag: 'p1', changes: ['ENV', 'LABEL'], pause: true },
  },
  {
    name: 'ImageCommit: the body (a container config) gives Env names and Label keys, never their values',
    method: 'POST',
    target: '/v1.41/commit?container=rc&repo=app&pause=0',
    headers: JSON_CT,
    body: JSON.stringify({ env: [`DB_PASSWORD=${SECRET}`, 'PATH=/bin'], Labels: { 'dockgate.owner': 'carol', note: SECRET }, Cmd: ['sh'] }),
    want: { container: 'rc', repo: 'app', pause: false, envNames: ['DB_PASSWORD', 'PATH'], labelKeys: ['dockgate.owner', 'note'] },
  },
  {
    name: 'ImageCommit: one change holding a newline is two instructions for dockerd',
    method: 'POST',
    target: `/v1.41/commit?container=rc&repo=busybox&tag=p2&changes=${q(`ENV X=${SECRET}\nLABEL dockgate.owner=carol`)}`,
    headers: JSON_CT,
    want: { container: 'rc', repo: 'busybox', tag: 'p2', changes: ['ENV', 'LABEL'], pause: true },
  },
  {
    name: 'ImageCommit: a line continuation joins two changes into one instruction, as dockerd reads them',
    method: 'POST',
    target: `/v1.41/commit?container=rc&changes=${q(`ENV A=${SECRET} \\`)}&changes=${q('LABEL x=y')}&changes=${q('# note')}&changes=${q('user 1000')}`,
    headers: JSON_CT,
    want: { container: 'rc', changes: ['ENV', 'USER'], pause: true },
  },
  {
    name: 'ImageCommit: a change that is no instruction is named as such, never quoted',
    method: 'POST',
    target: `/v1.41/commit?container=rc&changes=${q(SECRET)}&changes=${q('RUN echo hi')}`,
    headers: JSON_CT,
    want: { container: 'rc', changes: ['(unknown)', 'RUN'], pause: true },
  },
  {
    name: 'ImageCommit: the first container/repo/tag value is the one dockerd uses (Form.Get), percent-decoded',
    method: 'POST',
    target: '/v1.41/commit?container=a%2Db&container=other&repo=my%2Frepo&repo=x&tag=v%31',
    headers: JSON_CT,
    want: { container: 'a-b', repo: 'my/repo', tag: 'v1', pause: true },
  },
  {
    name: 'ImageCommit: pause as BoolValue reads it (any case, spaces); absent below API 1.13 is no pause',
    method: 'POST',
    target: '/v1.12/commit?container=rc&pause=%20NO%20',
    headers: JSON_CT,
    want: { container: 'rc', pause: false },
  },
  {
    name: 'ImageCommit: absent pause below API 1.13 does not pause',
    method: 'POST',
    target: '/v1.12/commit?container=rc',
    headers: JSON_CT,
    want: { container: 'rc', pause: false },
  },
  {
    name: 'ImageCommit: pause=yes, without a version prefix',
    method: 'POST',
    target: '/commit?container=rc&pause=yes',
    headers: JSON_CT,
    want: { container: 'rc', pause: true },
  },
  {
    name: 'ImageCommit: a repo shaped like a URL loses its userinfo',
    method: 'POST',
    target: `/v1.41/commit?container=rc&repo=${q(`https://u:${SECRET}@registry.invalid/x`)}&tag=${q(`t?sig=${SECRET}`)}`,
    headers: JSON_CT,
    want: { container: 'rc', repo: 'https://***@registry.invalid/x', tag: 't?sig=***', pause: true },
  },
  {
    name: 'ImageCreate (docker import --change): the change keywords, never their values',
    method: 'POST',
    target: `/v1.41/images/create?changes=${q(`ENV TOKEN=${SECRET}`)}&changes=${q('LABEL dockgate.owner=carol dockgate.team=ops')}&fromSrc=-&message=&repo=busybox&tag=imported`,
    headers: { 'content-type': 'application/x-tar' },
    want: { fromSrc: '-', repo: 'busybox', tag: 'imported', changes: ['ENV', 'LABEL'] },
  },
  {
    name: 'ImageCreate: an import sent with an empty fromImage still applies its changes',
    method: 'POST',
    target: `/v1.41/images/create?fromImage=&fromSrc=-&repo=x&changes=${q('CMD ["sh"]')}`,
    want: { fromImage: '', fromSrc: '-', repo: 'x', changes: ['CMD'] },
  },
  {
    name: 'ImageCreate: a pull ignores changes (dockerd does), and its X-Registry-Auth is never read',
    method: 'POST',
    target: `/v1.41/images/create?fromImage=busybox&tag=latest&changes=${q(`ENV X=${SECRET}`)}`,
    headers: { 'x-registry-auth': AUTH, 'x-registry-config': AUTH },
    want: { fromImage: 'busybox', tag: 'latest' },
  },
  {
    name: 'ImageGetAll (docker save a b): every names value',
    method: 'GET',
    target: '/v1.41/images/get?names=busybox%3Alatest&names=webapp%3A1&names=4276',
    want: { names: ['busybox:latest', 'webapp:1', '4276'] },
  },
  {
    name: 'ImageGetAll: a name shaped like a URL loses its userinfo',
    method: 'GET',
    target: `/v1.41/images/get?names=${q(`https://u:${SECRET}@registry.invalid/x`)}`,
    want: { names: ['https://***@registry.invalid/x'] },
  },
  {
    name: 'ImageDelete (docker rmi): force and noprune false when absent',
    method: 'DELETE',
    target: '/v1.41/images/4276:v1',
    want: { name: '4276:v1', force: false, noprune: false },
  },
  {
    name: 'ImageDelete (docker rmi -f --no-prune): as BoolValue reads them, the first value winning',
    method: 'DELETE',
    target: '/v1.41/images/webapp:1?force=1&force=0&noprune=True',
    want: { name: 'webapp:1', force: true, noprune: true },
  },
  {
    name: 'ImageDelete: false spellings dockerd accepts',
    method: 'DELETE',
    target: '/v1.41/images/x?force=%20None&noprune=',
    want: { name: 'x', force: false, noprune: false },
  },
  {
    name: 'ImageDelete: a value the gateway does not read is recorded as sent',
    method: 'DELETE',
    target: `/v1.41/images/x?force=${q('\u00a0no')}`,
    want: { name: 'x', force: '\u00a0no', noprune: false },
  },
  {
    name: 'ImagePrune (docker image prune -a --filter label=..): the filters',
    method: 'POST',
    target: `/v1.41/images/prune?filters=${q(JSON.stringify({ dangling: { false: true }, label: { 'dockgate.team=web': true }, until: { '24h': true } }))}`,
    want: { filters: ['dangling=false', 'label=dockgate.team=***', 'until=24h'] },
  },
  {
    name: 'ImagePrune: the legacy list form',
    method: 'POST',
    target: `/v1.41/images/prune?filters=${q(JSON.stringify({ label: ['a=b', 'c'] }))}`,
    want: { filters: ['label=a=***', 'label=c'] },
  },
  {
    name: 'ImagePrune: a filter with no values is recorded (rev-day1 F1: dockerd prunes every unused image)',
    method: 'POST',
    target: `/v1.41/images/prune?filters=${q('{"dangling":{}}')}`,
    want: { filters: ['dangling'] },
  },
  {
    name: 'ContainerPrune: a label value is never recorded (rev-day1 F8)',
    method: 'POST',
    target: `/v1.41/containers/prune?filters=${q(JSON.stringify({ label: { [`token=${SECRET}`]: true } }))}`,
    want: { filters: ['label=token=***'] },
  },
  {
    name: 'ImagePrune: no filters, no field',
    method: 'POST',
    target: '/v1.41/images/prune',
    want: undefined,
  },
  {
    name: 'ImagePrune: filters dockerd refuses',
    method: 'POST',
    target: `/v1.41/images/prune?filters=${q('{"label":["a"],"dangling":{"true":true}}')}`,
    want: { filters: ['(unparsable)'] },
  },
  {
    name: 'ContainerPrune: the filters too',
    method: 'POST',
    target: `/v1.41/containers/prune?filters=${q('{"until":{"1h":true}}')}`,
    want: { filters: ['until=1h'] },
  },
  {
    name: 'ImageCreate: an import in a form body (Go reads it before the query)',
    method: 'POST',
    target: '/v1.41/images/create?tag=t',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `fromSrc=${q('https://x.invalid/a.tar')}&repo=r&changes=${q(`ENV K=${SECRET}`)}&changes=${q('USER 0')}`,
    want: { fromSrc: 'https://x.invalid/a.tar', repo: 'r', tag: 't', changes: ['ENV', 'USER'] },
  },
];

describe('audit fields of image operations, from the raw request to the written line', () => {
  it.each(rows)('$name', ({ want, ...req }) => {
    const line = writtenAuditLine(req);
    expect(JSON.parse(line).fields).toEqual(want);
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain(AUTH);
  });
});
