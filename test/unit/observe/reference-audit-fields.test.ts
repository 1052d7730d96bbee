/**
 * The audit fields (redact.ts, auditFields) of the operations that name an image, a build context,
 * a plugin or a service's image: references that are URLs recorded without their userinfo or
 * query values, digests untouched, build arg names without their values.
 */
import { describe, expect, it } from 'vitest';
import { auditFields } from '../../../src/observe/redact.js';
import { facts, operation } from './fixtures.js';
import { expectAuditFields, SECRET, type AuditFieldsCase } from './redact-fixtures.js';

describe('auditFields', () => {
  const cases: AuditFieldsCase[] = [
    {
      name: 'ImageCreate: query fields',
      op: 'ImageCreate',
      query: { fromImage: 'alpine', tag: '3.20' },
      want: { fromImage: 'alpine', tag: '3.20' },
    },
    {
      name: 'ImageBuild: build arg names, never values',
      op: 'ImageBuild',
      query: { buildargs: JSON.stringify({ NPM_TOKEN: SECRET }), networkmode: 'host' },
      queryAll: { t: ['app:1', 'app:latest'] },
      want: { tags: ['app:1', 'app:latest'], networkMode: 'host', buildArgNames: ['NPM_TOKEN'] },
    },
    {
      name: 'ImageBuild: remote without its userinfo and fragment',
      op: 'ImageBuild',
      query: { remote: `https://user:${SECRET}@git.invalid/x.git#main:sub` },
      queryAll: { t: ['x'] },
      want: { tags: ['x'], remote: 'https://***@git.invalid/x.git' },
    },
    {
      name: 'ImageBuild: a token in the remote\'s query is masked, its name kept',
      op: 'ImageBuild',
      query: { remote: `https://gitlab.example.com/g/r.git?private_token=${SECRET}` },
      queryAll: { t: ['x'] },
      want: { tags: ['x'], remote: 'https://gitlab.example.com/g/r.git?private_token=***' },
    },
    {
      name: 'ImageCreate: a presigned fromSrc keeps its parameter names only',
      op: 'ImageCreate',
      query: { fromSrc: `https://bucket.s3.amazonaws.com/img.tar?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=${SECRET}`, repo: 'x' },
      want: { fromSrc: 'https://bucket.s3.amazonaws.com/img.tar?X-Amz-Credential=***&X-Amz-Signature=***', repo: 'x' },
    },
    {
      name: 'ImageCreate: a query value longer than the truncation limit is masked before the cut',
      op: 'ImageCreate',
      query: { fromSrc: `https://x.invalid/a.tar?sig=${'A'.repeat(2000)}${SECRET}` },
      want: { fromSrc: 'https://x.invalid/a.tar?sig=***' },
    },
    {
      name: 'ImageCreate: a fromImage URL with a token in its query',
      op: 'ImageCreate',
      query: { fromImage: `https://registry.invalid/x?token=${SECRET}` },
      want: { fromImage: 'https://registry.invalid/x?token=***' },
    },
    {
      name: 'PluginPull: a remote URL with a token in its query',
      op: 'PluginPull',
      query: { remote: `https://registry.invalid/vieux/sshfs?access_token=${SECRET}` },
      want: { remote: 'https://registry.invalid/vieux/sshfs?access_token=***' },
    },
    {
      name: 'ImageBuild: a token as the user name is masked too',
      op: 'ImageBuild',
      query: { remote: `https://${SECRET}:x-oauth-basic@github.com/o/r.git` },
      want: { remote: 'https://***@github.com/o/r.git' },
    },
    {
      name: 'ImageBuild: tags shaped like URLs lose their userinfo and query values, as remote does',
      op: 'ImageBuild',
      queryAll: { t: [`https://u:${SECRET}@registry.invalid/x`, `//u:${SECRET}@h/y:1`, `app?token=${SECRET}`, 'app:1'] },
      want: { tags: ['https://***@registry.invalid/x', '//***@h/y:1', 'app?token=***', 'app:1'] },
    },
    {
      name: 'PluginPull: a name shaped like a URL loses its userinfo',
      op: 'PluginPull',
      query: { remote: 'vieux/sshfs', name: `https://u:${SECRET}@registry.invalid/sshfs` },
      want: { remote: 'vieux/sshfs', name: 'https://***@registry.invalid/sshfs' },
    },
    {
      name: 'ImageBuild: a git remote without a scheme',
      op: 'ImageBuild',
      query: { remote: `${SECRET}@github.com:o/r.git` },
      want: { remote: '***@github.com:o/r.git' },
    },
    {
      name: 'ImageCreate: fromSrc without its userinfo',
      op: 'ImageCreate',
      query: { fromSrc: `https://user:${SECRET}@x.invalid/a.tar`, repo: 'busybox' },
      want: { fromSrc: 'https://***@x.invalid/a.tar', repo: 'busybox' },
    },
    {
      name: 'ImageCreate: fromSrc without a scheme (dockerd fetches http://user@host/...)',
      op: 'ImageCreate',
      query: { fromSrc: `user:${SECRET}@x.invalid/a.tar` },
      want: { fromSrc: '***@x.invalid/a.tar' },
    },
    {
      name: 'ImageCreate: a password longer than the truncation limit is masked before the cut',
      op: 'ImageCreate',
      query: { fromSrc: `http://u:${SECRET}${'A'.repeat(2000)}@x.invalid/a.tar` },
      want: { fromSrc: 'http://***@x.invalid/a.tar' },
    },
    {
      name: 'ImageCreate: a fromImage that is a URL; digests untouched',
      op: 'ImageCreate',
      query: { fromImage: `https://u:${SECRET}@registry.invalid/x`, tag: 'sha256:' + 'a'.repeat(64) },
      want: { fromImage: 'https://***@registry.invalid/x', tag: 'sha256:' + 'a'.repeat(64) },
    },
    {
      name: 'ContainerCreate: an Image that is a URL loses its userinfo; a digest stays',
      op: 'ContainerCreate',
      body: { Image: `https://${SECRET}@registry.invalid/img:v1`, Cmd: ['true'] },
      want: { image: 'https://***@registry.invalid/img:v1', cmd: ['true'] },
    },
    {
      name: 'ContainerCreate: an Image with a digest is not a URL',
      op: 'ContainerCreate',
      body: { Image: 'busybox@sha256:' + 'c'.repeat(64) },
      want: { image: 'busybox@sha256:' + 'c'.repeat(64) },
    },
    {
      name: 'ImageTag: repo and tag masked as fromImage is',
      op: 'ImageTag',
      params: { name: 'busybox' },
      query: { repo: `https://${SECRET}@registry.invalid/img`, tag: `v2?sig=${SECRET}` },
      want: { name: 'busybox', repo: 'https://***@registry.invalid/img', tag: 'v2?sig=***' },
    },
    {
      name: 'ImageCreate: an import repo and tag masked too',
      op: 'ImageCreate',
      query: { fromSrc: '-', repo: `https://u:${SECRET}@registry.invalid/img`, tag: `latest#${SECRET}` },
      want: { fromSrc: '-', repo: 'https://***@registry.invalid/img', tag: 'latest' },
    },
    {
      name: 'ImagePush: the tag masked',
      op: 'ImagePush',
      params: { name: 'img' },
      query: { tag: `v1?token=${SECRET}` },
      want: { name: 'img', tag: 'v1?token=***' },
    },
    {
      name: 'ServiceUpdate: an image that is a URL loses its userinfo',
      op: 'ServiceUpdate',
      params: { id: 'svc' },
      body: { Name: 'svc', TaskTemplate: { ContainerSpec: { Image: `http://u:${SECRET}@registry.invalid/nginx` } } },
      want: { id: 'svc', name: 'svc', image: 'http://***@registry.invalid/nginx' },
    },
    {
      name: 'ServiceCreate: an image that is a URL loses its userinfo',
      op: 'ServiceCreate',
      body: { Name: 'svc', TaskTemplate: { ContainerSpec: { Image: `http://u:${SECRET}@registry.invalid/nginx` } } },
      want: { name: 'svc', image: 'http://***@registry.invalid/nginx' },
    },
    {
      name: 'PluginPull: remote URL without its userinfo, references untouched',
      op: 'PluginPull',
      query: { remote: `https://u:${SECRET}@registry.invalid/vieux/sshfs`, name: 'sshfs:next' },
      want: { remote: 'https://***@registry.invalid/vieux/sshfs', name: 'sshfs:next' },
    },
    {
      name: 'PluginPull: a reference with a digest is not a URL',
      op: 'PluginPull',
      query: { remote: 'sshfs@sha256:' + 'b'.repeat(64) },
      want: { remote: 'sshfs@sha256:' + 'b'.repeat(64) },
    },
  ];

  it.each(cases)('$name', (row) => expectAuditFields(row));

  it('says a buildargs it cannot parse is unparsable, never its text', () => {
    const got = auditFields(facts(operation('ImageBuild'), { query: { buildargs: `{"NPM_TOKEN":"${SECRET}"` }, queryAll: { t: ['x'] } }));
    expect(got).toEqual({ tags: ['x'], buildArgNames: ['(unparsable)'] });
  });
});
