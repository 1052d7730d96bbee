import { describe, expect, it } from 'vitest';
import { bodyPlan, buildFacts, type FactsHeaders } from '../../../src/facts/build-facts.js';
import { factsErrorCode } from './facts-error-code.js';

const enc = new TextEncoder();
const JSON_CT = { 'content-type': 'application/json' };
const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };

describe('buildFacts', () => {
  it('builds the facts of a versioned container create', () => {
    const body = enc.encode('{"Image":"busybox","HostConfig":{"Privileged":true}}');
    const facts = buildFacts({ method: 'POST', rawTarget: '/v1.41/containers/create?name=web', headers: JSON_CT, body });
    expect(facts.operation?.name).toBe('ContainerCreate');
    expect(facts.path).toBe('/containers/create');
    expect(facts.apiVersion).toBe('1.41');
    expect(facts.rawTarget).toBe('/v1.41/containers/create?name=web');
    expect({ ...facts.query }).toEqual({ name: 'web' });
    expect(facts.body).toEqual({ Image: 'busybox', HostConfig: { Privileged: true } });
    expect(facts.upgrade).toBeUndefined();
  });

  it('splits the target at its first `?`: a second one cannot turn a create into a kill', () => {
    const body = enc.encode('{"Image":"busybox","HostConfig":{"Privileged":true}}');
    for (const rawTarget of ['/containers/create?x=/kill?', '/v1.41/containers/create?x=/kill?&name=a?b']) {
      const facts = buildFacts({ method: 'POST', rawTarget, headers: JSON_CT, body });
      expect(facts.operation?.name, rawTarget).toBe('ContainerCreate');
      expect(facts.path).toBe('/containers/create');
      expect(facts.params).toEqual({});
      expect(facts.query.x).toBe('/kill?');
      expect(facts.body).toEqual({ Image: 'busybox', HostConfig: { Privileged: true } });
    }
  });

  it('decodes greedy params and strips the version prefix', () => {
    const facts = buildFacts({ method: 'GET', rawTarget: '/v1.041/images/a%2Fb/json', headers: {} });
    expect(facts.operation?.name).toBe('ImageInspect');
    expect({ ...facts.params }).toEqual({ name: 'a/b' });
    expect(facts.path).toBe('/images/a/b/json');
    expect(facts.apiVersion).toBe('1.041');
  });

  it('reports unknown routes without an operation', () => {
    const facts = buildFacts({ method: 'GET', rawTarget: '/v1.41/nope?x=1', headers: {} });
    expect(facts.operation).toBeUndefined();
    expect(facts.path).toBe('/nope');
    expect(facts.apiVersion).toBe('1.41');
    expect({ ...facts.query }).toEqual({ x: '1' });
    expect(buildFacts({ method: 'POST', rawTarget: '/containers/json', headers: {} }).operation).toBeUndefined();
  });

  it('lets a form body override the query, like ParseForm', () => {
    const facts = buildFacts({
      method: 'POST',
      rawTarget: '/build?t=img&dockerfile=Dockerfile',
      headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=utf-8' },
      body: enc.encode('networkmode=host&networkmode=none&t2=x'),
    });
    expect(facts.operation?.name).toBe('ImageBuild');
    expect({ ...facts.query }).toEqual({ networkmode: 'host', t2: 'x', t: 'img', dockerfile: 'Dockerfile' });
    expect(facts.queryAll['networkmode']).toEqual(['host', 'none']);
    expect(facts.body).toBeUndefined();
  });

  it('ignores a form body on GET and DELETE (Go only reads it for POST, PUT, PATCH)', () => {
    const facts = buildFacts({ method: 'DELETE', rawTarget: '/containers/x?force=0', headers: FORM_CT, body: enc.encode('force=1') });
    expect({ ...facts.query }).toEqual({ force: '0' });
  });

  it('parses the JSON body of json operations without a Content-Type', () => {
    const facts = buildFacts({ method: 'POST', rawTarget: '/containers/x/exec', headers: {}, body: enc.encode('{"Cmd":["sh"],"Privileged":true}') });
    expect(facts.body).toEqual({ Cmd: ['sh'], Privileged: true });
  });

  it('takes array bodies for plugin privileges and settings', () => {
    const body = enc.encode('[{"Name":"network","Value":["host"]}]');
    const facts = buildFacts({ method: 'POST', rawTarget: '/plugins/pull?remote=x', headers: JSON_CT, body });
    expect(facts.body).toEqual([{ Name: 'network', Value: ['host'] }]);
    expect(factsErrorCode(() => buildFacts({ method: 'POST', rawTarget: '/plugins/x/set', headers: JSON_CT, body: enc.encode('{}') }))).toBe('json-shape');
  });

  it('leaves the body out for an empty json body and for stream operations', () => {
    expect(buildFacts({ method: 'POST', rawTarget: '/containers/x/start', headers: {}, body: new Uint8Array() }).body).toBeUndefined();
    expect(buildFacts({ method: 'POST', rawTarget: '/containers/x/start', headers: {} }).body).toBeUndefined();
    const tar = buildFacts({ method: 'POST', rawTarget: '/build', headers: { 'content-type': 'application/x-tar' }, body: enc.encode('{"a":1,"a":2}') });
    expect(tar.body).toBeUndefined();
  });

  it('records the Upgrade header lower-cased', () => {
    const facts = buildFacts({ method: 'POST', rawTarget: '/containers/x/attach?stream=1', headers: { upgrade: 'TCP', connection: 'Upgrade' } });
    expect(facts.upgrade).toBe('tcp');
    expect(facts.operation?.hijack).toBe(true);
  });

  it('accepts a trailing slash only on routes registered with one', () => {
    expect(buildFacts({ method: 'GET', rawTarget: '/v1.41/networks/', headers: {} }).operation?.name).toBe('NetworkList');
    expect(buildFacts({ method: 'GET', rawTarget: '/debug/pprof/', headers: {} }).operation?.name).toBe('DebugPprofIndex');
  });

  const refused: Array<[string, string, string, FactsHeaders, string?]> = [
    ['unclean-path', 'DELETE', '/containers/abc/', {}],
    ['unclean-path', 'GET', '/containers/x/json/', {}],
    ['unclean-path', 'GET', '/nope/', {}],
    ['unclean-path', 'GET', '/containers/%2e%2e/json', {}],
    ['bad-escape', 'GET', '/containers/%zz/json', {}],
    ['bad-query', 'GET', '/containers/json?all=1;size=1', {}],
    ['bad-query', 'GET', '/containers/json?all=%', {}],
    ['ambiguous-query', 'POST', '/build?networkmode=none', FORM_CT, 'networkmode=host'],
    ['bad-query', 'POST', '/build', FORM_CT, 'a=%zz'],
    ['bad-content-type', 'POST', '/containers/create', { 'content-type': 'text/plain' }, '{}'],
    ['bad-content-type', 'POST', '/containers/create', FORM_CT, 'Image=x'],
    ['bad-content-type', 'POST', '/containers/create', { 'content-type': 'application/json; charset' }, '{}'],
    ['bad-content-type', 'POST', '/build', { 'content-type': 'multipart/form-data; boundary=b' }, ''],
    ['bad-content-type', 'GET', '/containers/json', { 'content-type': 'multipart/form-data; boundary=b' }],
    ['bad-header', 'POST', '/containers/create', { 'content-type': ['application/json', 'text/plain'] }, '{}'],
    ['bad-header', 'POST', '/containers/create', { 'content-type': 'application/json', 'Content-Type': 'text/plain' }, '{}'],
    ['ambiguous-json', 'POST', '/containers/create', JSON_CT, '{"HostConfig":{"Privileged":false,"privileged":true}}'],
    ['trailing-json', 'POST', '/containers/create', JSON_CT, '{"Image":"a"} {"x":1}'],
    ['bad-json', 'POST', '/containers/create', JSON_CT, '{"Image":'],
    ['json-shape', 'POST', '/containers/create', JSON_CT, '[]'],
    // A null in a list of pointers: dockerd panics on it and leaves the container locked.
    ['json-shape', 'POST', '/containers/create', JSON_CT, '{"Image":"a","HostConfig":{"Ulimits":[null]}}'],
    ['json-shape', 'POST', '/containers/create', JSON_CT, '{"Image":"a","HostConfig":{"ulimits":[{"Name":"nofile","Soft":1,"Hard":1},null]}}'],
    ['json-shape', 'POST', '/containers/create', JSON_CT, '{"Image":"a","Ulimits":[null]}'],
    ['json-shape', 'POST', '/containers/create', JSON_CT, '{"Image":"a","HostConfig":{"BlkioDeviceReadBps":[null]}}'],
    ['json-shape', 'POST', '/containers/x/update', JSON_CT, '{"BlkioWeightDevice":[null]}'],
    ['json-shape', 'POST', '/services/create', JSON_CT, '{"TaskTemplate":{"ContainerSpec":{"Image":"a","Ulimits":[null]}}}'],
    ['bad-query', 'POST', '/build?ulimits=%5Bnull%5D', {}],
    ['bad-query', 'POST', '/containers/prune?filters=%7B%22until%22%3A%7B%7D%7D', {}],
    ['bad-query', 'GET', '/v1.40/images/json?filters=%7B%22reference%22%3Anull%7D&filter=x', {}],
    // A health check with no command: the probe crashes the whole daemon.
    ['json-shape', 'POST', '/containers/create', JSON_CT, '{"Image":"a","Healthcheck":{"Test":["CMD"],"Interval":1000000}}'],
    ['json-shape', 'POST', '/commit?container=x', JSON_CT, '{"Healthcheck":{"Test":["CMD"]}}'],
  ];
  it.each(refused)('refuses %s: %s %s', (code, method, rawTarget, headers, body) => {
    const input = { method, rawTarget, headers, body: body === undefined ? undefined : enc.encode(body) };
    expect(factsErrorCode(() => buildFacts(input))).toBe(code);
  });
});

describe('bodyPlan', () => {
  const cases: Array<[string, string, FactsHeaders, string]> = [
    ['POST', '/containers/create', {}, 'inspect'],
    ['POST', '/v1.41/containers/create', JSON_CT, 'inspect'],
    ['POST', '/exec/abc/start', JSON_CT, 'inspect'],
    ['POST', '/containers/abc/start', {}, 'inspect'],
    ['POST', '/build', { 'content-type': 'application/x-tar' }, 'stream'],
    ['POST', '/build', {}, 'stream'],
    ['POST', '/build', FORM_CT, 'inspect'],
    ['PUT', '/containers/x/archive', FORM_CT, 'inspect'],
    ['GET', '/containers/json', FORM_CT, 'stream'],
    ['GET', '/containers/json', {}, 'stream'],
    ['POST', '/containers/x/attach', {}, 'stream'],
    ['GET', '/nope', {}, 'none'],
    ['POST', '/containers/json', JSON_CT, 'none'],
  ];
  it.each(cases)('%s %s %j -> %s', (method, target, headers, plan) => {
    expect(bodyPlan(method, target, headers)).toBe(plan);
  });

  it('does not depend on framing headers', () => {
    const framings: FactsHeaders[] = [{}, { 'content-length': '0' }, { 'transfer-encoding': 'chunked' }, { 'content-length': '0', 'transfer-encoding': 'chunked' }];
    for (const framing of framings) {
      expect(bodyPlan('POST', '/containers/create', framing)).toBe('inspect');
      expect(bodyPlan('POST', '/build', { ...FORM_CT, ...framing })).toBe('inspect');
    }
  });

  it('throws the refusal buildFacts would give', () => {
    expect(factsErrorCode(() => bodyPlan('GET', '/a//b', {}))).toBe('unclean-path');
    // The Content-Type is judged with the body: bodyPlan asks for it, buildFacts refuses it.
    expect(bodyPlan('POST', '/containers/create', { 'content-type': 'text/plain' })).toBe('inspect');
  });

  it('refuses a non-JSON Content-Type only when a body comes with it (dockerd CheckForJSON)', () => {
    const headers = { 'content-type': 'text/plain' };
    const body = new TextEncoder().encode('{"Image":"busybox"}');
    expect(factsErrorCode(() => buildFacts({ method: 'POST', rawTarget: '/containers/create', headers, body }))).toBe('bad-content-type');
    // The 20.10 CLI starts containers with an empty text/plain body: nothing to inspect, nothing refused.
    expect(buildFacts({ method: 'POST', rawTarget: '/v1.41/containers/abc/start', headers, body: new Uint8Array() }).operation?.name).toBe('ContainerStart');
  });

  it.each([
    ['{"Privileged":true}', 'json-shape'],
    ['{"binds":["/:/h"]}', 'json-shape'],
    ['{}', undefined],
  ])('a legacy ContainerStart body %s is refused unless empty', (text, code) => {
    const input = { method: 'POST', rawTarget: '/v1.23/containers/abc/start', headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode(text) };
    if (code) expect(factsErrorCode(() => buildFacts(input))).toBe(code);
    else expect(buildFacts(input).operation?.name).toBe('ContainerStart');
  });
});

describe('ExecStart Content-Type by API version (rev-version F3: dockerd 20.10 checks it only above 1.21)', () => {
  const TEXT = { 'content-type': 'text/plain' };
  it.each([
    ['/v1.21/exec/abc/start', TEXT, undefined],
    ['/v1.021/exec/abc/start', TEXT, undefined],
    ['/v1.20/exec/abc/start', { 'content-type': 'application/octet-stream' }, undefined],
    ['/v1.21/exec/abc/start', { 'content-type': 'not a type' }, undefined],
    ['/v1.21/exec/abc/start', JSON_CT, undefined],
    // dockerd's ParseForm reads a form body first: it is refused at every version.
    ['/v1.21/exec/abc/start', FORM_CT, 'bad-content-type'],
    ['/v1.22/exec/abc/start', TEXT, 'bad-content-type'],
    ['/v1.21.1/exec/abc/start', TEXT, 'bad-content-type'],
    ['/exec/abc/start', TEXT, 'bad-content-type'],
    // Only the exec start: a create at 1.21 still needs JSON.
    ['/v1.21/containers/create', TEXT, 'bad-content-type'],
  ])('%s %j -> %s', (rawTarget, headers, code) => {
    const input = { method: 'POST', rawTarget, headers, body: enc.encode('{"Detach":true}') };
    const got = factsErrorCode(() => buildFacts(input));
    expect(got).toBe(code);
    if (code === undefined) expect(buildFacts(input).body).toEqual({ Detach: true });
  });
});

describe('buildFacts: empty query values and route parameters are one shared frozen record (no-values.ts)', () => {
  it.each<[string, string, boolean, boolean]>([
    // target, method, query empty, params empty
    ['/v1.41/events', 'GET', true, true],
    ['/_ping', 'GET', true, true],
    ['/events?since=1', 'GET', false, true],
    ['/containers/abc/logs?follow=1', 'GET', false, false],
    ['/containers/abc/json', 'GET', true, false],
    ['/v1.41/no/such/route', 'GET', true, true],
    ['/events?', 'GET', true, true],
  ])('%s %s', (rawTarget, method, queryEmpty, paramsEmpty) => {
    const a = buildFacts({ method, rawTarget, headers: {} });
    const b = buildFacts({ method, rawTarget, headers: {} });
    // Shared across requests exactly when empty, and then frozen: a write would throw, not leak into other requests.
    expect(a.query === b.query).toBe(queryEmpty);
    expect(a.queryAll === b.queryAll).toBe(queryEmpty);
    expect(a.params === b.params).toBe(paramsEmpty);
    expect(Object.isFrozen(a.query)).toBe(queryEmpty);
    expect(Object.isFrozen(a.params)).toBe(paramsEmpty);
    for (const values of [a.query, a.queryAll, a.params]) expect(Object.getPrototypeOf(values)).toBeNull();
    expect(Object.keys(a.query).length === 0).toBe(queryEmpty);
    expect(Object.keys(a.params).length === 0).toBe(paramsEmpty);
  });
});
