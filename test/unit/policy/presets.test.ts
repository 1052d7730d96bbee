/** Every shipped preset loads and compiles, and decides the used-by cases it documents. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPolicy, type CompiledPolicy } from '../../../src/policy/compile.js';
import { decide, decideTraced, denialWhateverTheBody } from '../../../src/policy/evaluate.js';
import { OPERATIONS } from '../../../src/facts/operations.js';
import { loadDefaultPolicy, loadPolicyFile } from '../../../src/policy/load-file.js';
import { parse, stringify } from 'yaml';
import type { RequestFacts } from '../../../src/core/types.js';
import { identity, rawFacts, req } from './fixtures.js';

const dir = fileURLToPath(new URL('../../../config/policies/', import.meta.url));
const preset = (name: string): CompiledPolicy => loadPolicyFile(`${dir}${name}.yaml`);

describe('presets', () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s loads and compiles', (file) => {
    const p = loadPolicyFile(`${dir}${file}`);
    expect(p.rules.length).toBeGreaterThan(0);
    expect(p.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('ships the five documented presets', () => {
    expect(readdirSync(dir).sort()).toEqual(['admin.yaml', 'ci-runner.yaml', 'default.yaml', 'developer.yaml', 'read-only.yaml']);
  });

  const admin = identity('admin', ['admin']);
  const dev = identity('alice', ['developers']);
  const ci = identity('runner', ['ci']);
  const other = identity('mallory');
  const run = (hostConfig: object, image = 'busybox') => req('POST', '/v1.45/containers/create', { Image: image, HostConfig: hostConfig });

  it.each([
    // [preset, who, facts, outcome, code]
    ['default', identity('admin'), req('POST', '/containers/create', { HostConfig: { Privileged: true } }), 'allow', 'allowed'],
    ['default', other, req('GET', '/containers/json'), 'allow', 'allowed'],
    ['default', other, req('GET', '/containers/x/logs?follow=1'), 'allow', 'allowed'],
    ['default', other, req('GET', '/containers/x/archive?path=/'), 'deny', 'no-rule'],
    ['default', other, req('POST', '/containers/x/exec', { Cmd: ['sh'] }), 'deny', 'no-rule'],
    ['default', identity('administrator', ['admin']), req('POST', '/containers/x/start'), 'deny', 'no-rule'],
    ['read-only', other, req('GET', '/images/json'), 'allow', 'allowed'],
    ['read-only', other, req('GET', '/containers/x/export'), 'deny', 'no-rule'],
    ['read-only', other, req('POST', '/containers/x/attach?stream=1&stdin=1'), 'deny', 'no-rule'],
    ['read-only', other, req('GET', '/containers/x/attach/ws'), 'deny', 'no-rule'],
    ['read-only', other, req('GET', '/swarm'), 'deny', 'no-rule'],
    ['read-only', other, req('GET', '/images/x/get'), 'deny', 'no-rule'],
    // Reads that make dockerd contact a host:port the caller names, or list a host directory.
    ['default', other, req('GET', '/v1.41/distribution/127.0.0.1:41999/internal/thing/json'), 'deny', 'no-rule'],
    ['default', other, req('GET', '/v1.41/images/search?term=127.0.0.1:41999/anything'), 'deny', 'no-rule'],
    ['default', other, req('GET', '/v1.41/plugins/privileges?remote=127.0.0.1:41999/plug:latest'), 'deny', 'no-rule'],
    ['default', other, req('GET', '/v1.41/containers/c1/checkpoints?dir=/root'), 'deny', 'no-rule'],
    ['read-only', other, req('GET', '/v1.41/distribution/127.0.0.1:1/x/json'), 'deny', 'no-rule'],
    ['read-only', other, req('GET', '/v1.41/images/search?term=busybox'), 'deny', 'no-rule'],
    ['developer', dev, req('GET', '/v1.41/distribution/127.0.0.1:41762/m/json'), 'deny', 'no-rule'],
    ['ci-runner', ci, req('GET', '/v1.41/images/search?term=127.0.0.1:41999/x'), 'deny', 'no-rule'],
    ['developer', dev, req('GET', '/v1.41/containers/c1/checkpoints?dir=/etc'), 'deny', 'no-rule'],
    ['admin', admin, req('POST', '/plugins/pull?remote=x'), 'allow', 'allowed'],
    ['admin', other, req('GET', '/info'), 'deny', 'no-rule'],
    ['developer', dev, run({ Binds: ['/srv/dev/alice/src:/src'] }), 'allow', 'allowed'],
    ['developer', dev, run({ Privileged: true }), 'deny', 'privileged'],
    // What the docker CLI sends without --log-opt, and with log options within and past the maxima.
    ['developer', dev, run({ LogConfig: { Type: '', Config: {} } }), 'allow', 'allowed'],
    ['developer', dev, run({ LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3', compress: 'true' } } }), 'allow', 'allowed'],
    ['developer', dev, run({ LogConfig: { Type: 'json-file', Config: { 'max-size': '100g' } } }), 'deny', 'log-option'],
    ['developer', dev, run({ LogConfig: { Type: 'local', Config: { 'max-file': '99999' } } }), 'deny', 'log-option'],
    ['ci-runner', ci, run({ LogConfig: { Type: '', Config: {} } }), 'allow', 'allowed'],
    ['ci-runner', ci, run({ LogConfig: { Type: 'json-file', Config: { 'max-size': '101m' } } }), 'deny', 'log-option'],
    ['ci-runner', ci, run({ LogConfig: { Type: 'json-file', Config: { 'max-buffer-size': '100g', mode: 'non-blocking' } } }), 'deny', 'log-option'],
    ['developer', dev, run({ Binds: ['/:/host'] }), 'deny', 'bind-mount'],
    ['developer', dev, run({ Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'none', o: 'bind', device: '/' } } } }] }), 'deny', 'bind-mount'],
    ['developer', dev, run({ PidMode: 'host' }), 'deny', 'host-namespace'],
    ['developer', dev, run({ CapAdd: ['SYS_ADMIN'] }), 'deny', 'capability'],
    ['developer', dev, run({ CapAdd: ['NET_BIND_SERVICE'] }), 'allow', 'allowed'],
    ['developer', dev, run({ SecurityOpt: ['seccomp=unconfined'] }), 'deny', 'security-option'],
    ['developer', dev, run({ Devices: [{ PathOnHost: '/dev/kvm' }] }), 'deny', 'device'],
    ['developer', dev, run({ OomScoreAdj: -1000 }), 'deny', 'oom-protection'],
    ['developer', dev, run({ OomKillDisable: true }), 'deny', 'oom-protection'],
    ['developer', dev, run({ CpuRealtimeRuntime: 950000 }), 'deny', 'cpu-realtime'],
    ['ci-runner', ci, run({ OomKillDisable: true }), 'deny', 'oom-protection'],
    ['ci-runner', ci, run({ CpuRealtimeRuntime: 1 }), 'deny', 'cpu-realtime'],
    ['developer', dev, run({ OomScoreAdj: 500 }), 'allow', 'allowed'],
    ['developer', dev, req('POST', '/containers/x/exec', { Cmd: ['sh'], Privileged: true }), 'deny', 'privileged'],
    ['developer', dev, req('POST', '/containers/x/exec', { Cmd: ['sh'] }), 'allow', 'allowed'],
    ['developer', dev, req('POST', '/containers/x/exec', { Cmd: ['sh'], User: '0:0' }), 'deny', 'exec-root'],
    ['developer', dev, req('POST', '/volumes/create', { Name: 'v', DriverOpts: { o: 'bind', device: '/etc' } }), 'deny', 'bind-mount'],
    ['developer', dev, req('POST', '/plugins/pull?remote=x'), 'deny', 'rule-deny'],
    ['developer', dev, req('POST', '/swarm/init', {}), 'deny', 'rule-deny'],
    ['developer', dev, req('GET', '/containers/x/export'), 'deny', 'no-rule'],
    ['developer', admin, run({ Privileged: true }), 'allow', 'allowed'],
    ['ci-runner', ci, req('POST', '/build?t=registry.example.com/app:1'), 'allow', 'allowed'],
    ['ci-runner', ci, req('POST', '/build?networkmode=host'), 'deny', 'build-option'],
    ['ci-runner', ci, req('POST', '/v1.41/session'), 'allow', 'allowed'],
    ['ci-runner', ci, req('POST', '/v1.41/build/cancel?id=x'), 'allow', 'allowed'],
    ['ci-runner', ci, req('POST', '/v1.41/containers/x/resize?h=24&w=80'), 'allow', 'allowed'],
    ['ci-runner', ci, req('POST', '/v1.41/grpc'), 'deny', 'no-rule'],
    ['ci-runner', ci, run({}), 'allow', 'allowed'],
    ['ci-runner', ci, run({}, 'registry.example.com/team/tool:2'), 'allow', 'allowed'],
    ['ci-runner', ci, run({}, 'ubuntu'), 'deny', 'image'],
    ['ci-runner', ci, run({ Binds: ['/var/run/docker.sock:/var/run/docker.sock'] }), 'deny', 'bind-mount'],
    ['ci-runner', ci, req('POST', '/images/create?fromImage=busybox&tag=latest'), 'allow', 'allowed'],
    ['ci-runner', ci, req('POST', '/containers/x/exec', { Cmd: ['sh'] }), 'deny', 'no-rule'],
    // Tagging an image ci may not run into an allowed name (to run or push it) is refused.
    ['ci-runner', ci, req('POST', '/v1.41/images/adminonly/secret-app:1/tag?repo=registry.example.com/exfil2&tag=1'), 'deny', 'image'],
    ['ci-runner', ci, req('POST', '/v1.41/images/registry.example.com/ci/app2/tag?repo=registry.example.com/ci/app&tag=2'), 'allow', 'allowed'],
    // Local volumes of a kernel file system (host procfs, sysfs, overlay of host dirs).
    ['developer', dev, req('POST', '/v1.41/volumes/create', { Name: 'hp2', Driver: 'local', DriverOpts: { type: 'proc', device: '/srv/dev/alice' } }), 'deny', 'bind-mount'],
    ['developer', dev, req('POST', '/v1.41/volumes/create', { Name: 'ov', DriverOpts: { type: 'overlay', device: '/srv/dev/alice', o: 'lowerdir=/tmp:/etc' } }), 'deny', 'bind-mount'],
    ['developer', dev, run({ Mounts: [{ Type: 'volume', Target: '/hp', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'sysfs', device: '/srv/dev/alice' } } } }] }), 'deny', 'bind-mount'],
    // A bind volume of the developer's own directory could be mounted by name by any developer.
    ['developer', dev, req('POST', '/v1.41/volumes/create', { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/srv/dev/alice/v' } }), 'deny', 'bind-mount'],
    ['developer', dev, req('POST', '/v1.41/volumes/create', { Name: 'v', DriverOpts: {} }), 'allow', 'allowed'],
    ['developer', dev, req('POST', '/v1.41/volumes/create', { Name: 't', DriverOpts: { type: 'tmpfs', o: 'size=64m', device: 'tmpfs' } }), 'allow', 'allowed'],
    ['ci-runner', ci, req('POST', '/v1.41/volumes/create', { Name: 'hp', DriverOpts: { type: 'proc', device: 'proc' } }), 'deny', 'bind-mount'],
    ['ci-runner', ci, req('POST', '/v1.41/volumes/create', { Name: 'c' }), 'allow', 'allowed'],
  ])('%s case %#', (name, who, facts, outcome, code) => {
    const d = decide(preset(name), who, facts);
    expect([d.outcome, d.code]).toEqual([outcome, code]);
  });

  // POST /containers/{id}/copy (API < 1.24, 20.10 only) reads any path out of a container.
  it.each([
    ['default', other],
    ['read-only', other],
    ['read-only', dev],
    ['admin', other],
    ['admin', dev],
    ['developer', dev],
    ['developer', other],
    ['ci-runner', ci],
    ['ci-runner', other],
  ] as const)('%s denies ContainerCopy to %o', (name, who) => {
    const facts = req('POST', '/v1.23/containers/x/copy', { Resource: '/etc/shadow' });
    expect(facts.operation?.name).toBe('ContainerCopy');
    const d = decide(preset(name), who, facts);
    expect([d.outcome, d.forward]).toEqual(['deny', false]);
  });

  // A legacy start body is a HostConfig: the facts stage refuses it, and behind that the
  // presets' container guards apply to it too.
  it.each([
    ['developer', dev, { Privileged: true }, 'privileged'],
    ['developer', dev, { Binds: ['/:/host'] }, 'bind-mount'],
    ['developer', dev, { CapAdd: ['SYS_ADMIN'] }, 'capability'],
    ['ci-runner', ci, { PidMode: 'host' }, 'host-namespace'],
    ['ci-runner', ci, { Devices: [{ PathOnHost: '/dev/mem' }] }, 'device'],
  ] as const)('%s guards a legacy start body (case %#)', (name, who, body, code) => {
    const d = decide(preset(name), who, rawFacts('ContainerStart', body as never));
    expect([d.outcome, d.code]).toEqual(['deny', code]);
  });

  it('loadDefaultPolicy is the default preset', () => {
    const p = loadDefaultPolicy();
    expect(p.source).toBe('built-in default');
    expect(p.version).toBe(preset('default').version);
  });

  // The request path's decide (rules cached per identity, no trace) must agree with the traced
  // evaluation `policy explain` uses, on every route of the table and on guarded bodies.
  describe('decide agrees with decideTraced', () => {
    const bodies: [string, string, unknown][] = [
      ['POST', '/containers/create', { Image: 'busybox', HostConfig: { Privileged: true } }],
      ['POST', '/containers/create', { Image: 'busybox', HostConfig: { Binds: ['/:/host'], CapAdd: ['SYS_ADMIN'] } }],
      ['POST', '/containers/create', { Image: 'registry.example.com/team/tool:2', HostConfig: {} }],
      ['POST', '/containers/create', { Image: 'ubuntu', HostConfig: { PidMode: 'host' } }],
      ['POST', '/containers/x/exec', { Cmd: ['sh'], Privileged: true }],
    ];
    const requests = [
      ...OPERATIONS.map((op) => req(op.method === '*' ? 'GET' : op.method, op.pattern.replace(/\{[^}]*\}/g, 'x'))),
      ...bodies.map(([method, path, body]) => req(method, path, body)),
      req('GET', '/no/such/route'),
    ];
    /** A preset with rules put in audit mode (`every`: which ones), or the whole policy (`policy`). */
    const staged = (name: string, every: 'odd' | 'even' | 'policy'): CompiledPolicy => {
      const spec = parse(readFileSync(`${dir}${name}.yaml`, 'utf8')) as { mode?: string; rules: { mode?: string }[] };
      if (every === 'policy') spec.mode = 'audit';
      else spec.rules.forEach((rule, i) => (i % 2 === (every === 'odd' ? 1 : 0) ? (rule.mode = 'audit') : undefined));
      return loadPolicy(stringify(spec));
    };
    it.each([
      ...['admin', 'ci-runner', 'default', 'developer', 'read-only'].map((name) => [name, () => preset(name)] as const),
      ...['ci-runner', 'default', 'developer', 'read-only'].flatMap((name) =>
        (['odd', 'even', 'policy'] as const).map((every) => [`${name}, ${every} rules in audit mode`, () => staged(name, every)] as const),
      ),
    ])('%s', (_name, load) => {
      const policy = load();
      let compared = 0;
      for (const who of [admin, dev, ci, other]) {
        // Twice: the second run answers from the per-identity cache.
        for (let round = 0; round < 2; round += 1) {
          for (const facts of requests) {
            expect(decide(policy, who, facts)).toEqual(decideTraced(policy, who, facts));
            compared += 1;
          }
        }
      }
      expect(compared).toBe(4 * 2 * requests.length);
    });

    // The early denial (body budget under pressure) decides without the body: it must give a
    // decision only where decide gives that same denial with any body, guarded bodies included.
    it.each([
      ...['admin', 'ci-runner', 'default', 'developer', 'read-only'].map((name) => [name, () => preset(name)] as const),
      ...['ci-runner', 'default', 'developer', 'read-only'].flatMap((name) =>
        (['odd', 'even', 'policy'] as const).map((every) => [`${name}, ${every} rules in audit mode`, () => staged(name, every)] as const),
      ),
    ])('denialWhateverTheBody agrees with decide: %s', (_name, load) => {
      const policy = load();
      const withBodies = (facts: RequestFacts): RequestFacts[] => [facts, ...bodies.filter(([m, p]) => m === facts.method && req(m, p).operation === facts.operation).map(([m, p, b]) => req(m, p, b))];
      let early = 0;
      let left = 0;
      for (const who of [admin, dev, ci, other]) {
        for (const facts of requests) {
          const denial = denialWhateverTheBody(policy, who, facts);
          if (denial) {
            early += 1;
            for (const f of withBodies(facts)) expect(decide(policy, who, f)).toEqual(denial);
          } else {
            left += 1;
          }
        }
      }
      // Both kinds occur in every policy but the audit-mode ones (which never deny early).
      if (policy.mode === 'enforce') expect(early).toBeGreaterThan(0);
      else expect(early).toBe(0);
      expect(left).toBeGreaterThan(0);
    });
  });
});
