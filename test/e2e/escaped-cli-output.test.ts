/**
 * What the built `dockgate` command prints from text it did not write (a request's path or
 * body, a config file's keys and values) has its hidden characters written `\uXXXX`, as the rest
 * of the CLI writes them: a bidi override in a path printed raw re-orders the line, an ESC
 * drives the terminal, a newline forges another line. The admin listener's /readyz, read with
 * curl, writes them `\uxxxx` as the logs do.
 */
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { configYaml, dockgate, makePki, startGateway } from './support/gateway.js';
import { httpGet } from './support/prometheus.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';

/** Any character escapeHidden writes as \uXXXX, but the newlines between lines. */
const RAW_HIDDEN = /(?!\n)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Cc}]/u;

describe('policy explain, a request refused before the policy', () => {
  it('quotes a duplicate body key holding a bidi override as \\u202E', async () => {
    const body = join(scratchDir('escaped-explain-'), 'create.json');
    writeFileSync(body, '{"\u202EegamI":"a","\u202EegamI":"b"}');
    const r = await dockgate(['policy', 'explain', '--as', 'alice', 'POST', '/v1.45/containers/create', '--body', body]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('request refused before the policy: duplicate key "\\u202EegamI" in one object (Go merges them)\n');
    expect(r.stdout + r.stderr).not.toMatch(RAW_HIDDEN);
  });
});

describe('serve and policy check --config, a config file they refuse', () => {
  it('write a key holding a newline and ESC and a value holding a bidi override as \\uXXXX, one line per problem', async () => {
    const file = join(scratchDir('escaped-config-'), 'config.yaml');
    writeFileSync(file, '"bad\\nkey\\e[31m": 1\nlisten: "127.0.0.1:48500\\u202E"\n');
    const serve = await dockgate(['serve', '--config', file]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('\n  bad\\u000Akey\\u001B[31m: unknown key (expected one of: ');
    expect(serve.stderr).toContain('\n  listen: "127.0.0.1:48500\\u202E" is not host:port or tcp://host:port\n');
    expect(serve.stderr).not.toMatch(RAW_HIDDEN);
    const check = await dockgate(['policy', 'check', '--config', file]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('\n  bad\\u000Akey\\u001B[31m: unknown key (expected one of: ');
    expect(check.stderr).not.toMatch(RAW_HIDDEN);
  });
});

describe('serve, a policy it refuses at start', () => {
  it('writes a rule key holding a newline and ESC as \\uXXXX, one line per problem', async () => {
    const pki = await makePki({});
    const policy = join(pki.dir, 'policy.yaml');
    writeFileSync(policy, 'version: 1\nrules:\n  - name: "a\\u202Eb"\n    who: { anyone: true }\n    "al\\nlow\\e[2J": [power:read]\n');
    const file = join(pki.dir, 'config.yaml');
    writeFileSync(file, configYaml(pki, inject('dockerSocket'), `policy: ${policy}\n`));
    const serve = await dockgate(['serve', '--config', file]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain(`cannot start: invalid configuration:\n  invalid policy ${policy}: `);
    expect(serve.stderr).toContain('\n    rules[0].name (line 3): rule name "a\\u202Eb" must be ');
    expect(serve.stderr).toContain('\n    rules[0].al\\u000Alow\\u001B[2J (line 5): unknown key "al\\u000Alow\\u001B[2J"');
    expect(serve.stderr).not.toMatch(RAW_HIDDEN);
  });
});

describe('a usage error', () => {
  it('quotes a pasted flag holding a zero-width space as \\u200B', async () => {
    const r = await dockgate(['policy', 'explain', '--a\u200Bs', 'bob', 'GET', '/info']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dockgate policy: unknown flag --a\\u200Bs\n');
    expect(r.stderr).not.toMatch(RAW_HIDDEN);
  });
});

describe('/readyz of a running gateway', () => {
  it('writes a TLS file path holding a bidi override as \\u202e in a failed reload\'s detail', async () => {
    const pki = await makePki({});
    const tlsDir = join(pki.dir, 'tls\u202Eelif');
    mkdirSync(tlsDir);
    for (const f of ['ca.pem', 'server-cert.pem', 'server-key.pem']) copyFileSync(join(pki.dir, f), join(tlsDir, f));
    const yaml = configYaml(pki, inject('dockerSocket')).replace(/^tls: .*$/m, `tls: { ca: "${tlsDir}/ca.pem", cert: "${tlsDir}/server-cert.pem", key: "${tlsDir}/server-key.pem" }`);
    const gw = await startGateway(pki.dir, yaml);
    try {
      const cert = join(tlsDir, 'server-cert.pem');
      writeFileSync(`${cert}.tmp`, 'not a certificate\n');
      renameSync(`${cert}.tmp`, cert);
      gw.process.kill('SIGHUP');
      const body = await until(async () => {
        const res = await httpGet(`http://127.0.0.1:${gw.adminPort}/readyz`, 10_000);
        return res.body.includes('last TLS reload failed') && res.body;
      }, 20_000, 'a failed TLS reload on /readyz');
      expect(body).toContain('tls\\u202eelif/server-cert.pem');
      expect(body).not.toMatch(RAW_HIDDEN);
      const detail = (JSON.parse(body) as { checks: { certificates: { detail: string } } }).checks.certificates.detail;
      expect(detail).toContain(`${tlsDir}/server-cert.pem`);
    } finally {
      await gw.stop();
    }
  });
});
