import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostPort, parseListen, parseUpstream } from '../../../src/config/address.js';
import { buildConfig, loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/validate.js';
import { loadPolicyFile } from '../../../src/policy/load-file.js';

const dir = mkdtempSync('/tmp/dgt-config-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['ca.pem', 'server-cert.pem', 'server-key.pem', 'crl.pem', 'policy.yaml']) writeFileSync(join(dir, f), 'x');
const tls = { ca: 'ca.pem', cert: 'server-cert.pem', key: 'server-key.pem' };

function problems(doc: unknown): string[] {
  try {
    buildConfig(doc, dir, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('hostPort: addresses in logs and audit records, as parseListen reads them', () => {
  it.each([
    ['127.0.0.1', 2376, '127.0.0.1:2376'],
    ['::1', 47590, '[::1]:47590'],
    ['fe80::1%eth0', 5, '[fe80::1%eth0]:5'],
    // A dual-stack listener's IPv4 client, named as the per-source limits name it.
    ['::ffff:127.0.0.1', 36496, '127.0.0.1:36496'],
    ['::ffff:7f00:1', 1, '[::ffff:7f00:1]:1'],
    ['localhost', 0, 'localhost:0'],
    [undefined, undefined, '?:?'],
  ])('%s %s -> %s', (host, port, want) => {
    expect(hostPort(host, port)).toBe(want);
    if (host !== undefined && port !== undefined && !host.includes('%') && !host.startsWith('::ffff:')) expect(parseListen(want)).toEqual({ ok: true, value: { host, port } });
  });
});

describe('parseListen', () => {
  it.each([
    ['0.0.0.0:2376', { host: '0.0.0.0', port: 2376 }],
    ['tcp://127.0.0.1:2376', { host: '127.0.0.1', port: 2376 }],
    ['[::1]:9376', { host: '::1', port: 9376 }],
    [':2376', { host: '0.0.0.0', port: 2376 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('%s', (text, want) => {
    expect(parseListen(text)).toEqual({ ok: true, value: want });
  });
  it.each(['2376', 'host:', 'host:99999', 'unix:///x', 'tcp://h:p', '::1:2376'])('refuses %s', (text) => {
    expect(parseListen(text).ok).toBe(false);
  });
  // Refused as configuration (exit 2, key named) instead of failing at bind time (exit 1).
  it.each([
    ['999.0.0.1:2376', '"999.0.0.1:2376": 999.0.0.1 is not an IPv4 address'],
    ['1.2.3.4.5:2376', '"1.2.3.4.5:2376": 1.2.3.4.5 is not an IPv4 address'],
    ['[zz]:2376', '"[zz]:2376": [zz] is not an IPv6 address'],
  ])('refuses %s, saying why', (text, message) => {
    expect(parseListen(text)).toEqual({ ok: false, message });
  });
});

describe('parseUpstream', () => {
  it.each([
    ['unix:///var/run/docker.sock', { kind: 'unix', path: '/var/run/docker.sock' }],
    ['tcp://127.0.0.1:2375', { kind: 'tcp', host: '127.0.0.1', port: 2375 }],
    ['npipe:////./pipe/docker_engine', { kind: 'npipe', path: '\\\\.\\pipe\\docker_engine' }],
  ])('%s', (text, want) => {
    const parsed = parseUpstream(text);
    expect(parsed.ok && parsed.value).toMatchObject(want);
  });
  it.each(['unix://relative.sock', 'unix://run/docker.sock', 'xunix:///var/run/docker.sock', 'xnpipe:////./pipe/docker_engine', 'http//x', 'ssh://host', 'tcp://host', 'tcp://127.0.0.1:0', 'tcp://[zz]:2375'])('refuses %s', (text) => {
    expect(parseUpstream(text).ok).toBe(false);
  });
  // Never a daemon's address (getaddrinfo gets "token@host": ENOTFOUND), and the upstream is
  // named in every 502 the gateway answers: user information would go to every client.
  it.each(['tcp://token@daemon.example:2375', 'http://u%3Apw@daemon.example:2375', 'tcp://@daemon.example:2375'])('refuses user information in %s, without repeating it', (text) => {
    const parsed = parseUpstream(text);
    expect([parsed.ok, !parsed.ok && parsed.message.includes('@') && !parsed.message.includes(text)]).toEqual([false, true]);
  });
});

describe('buildConfig', () => {
  it('resolves paths against the config directory and fills defaults', () => {
    const c = buildConfig({ tls, policy: 'policy.yaml' }, dir, 'test.yaml');
    expect(c.tls.ca).toBe(join(dir, 'ca.pem'));
    expect(c.policy).toBe(join(dir, 'policy.yaml'));
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 2376 });
    expect(c.upstream.url).toBe('unix:///var/run/docker.sock');
    expect(c.admin).toEqual({ enabled: true, listen: { host: '127.0.0.1', port: 9376 } });
    expect(c.limits.bodyBytes).toBe(4 * 1024 * 1024);
    expect(c.limits.bodyTimeoutMs).toBe(30_000);
    expect(c.limits.streamedBodyIdleMs).toBe(120_000);
    expect(c.limits.bufferedBodyBytes).toBe(128 * 1024 * 1024);
    expect(c.limits.bufferedBodyBytesPerIdentity).toBe(16 * 1024 * 1024);
    expect(c.limits.streamsPerIdentity).toBe(1000);
    expect(c.limits.requestsPerIdentity).toBe(256);
    expect(c.limits.handshakesPerSource).toBe(128);
    expect(c.limits.handshakeFailuresPerSource).toBe(50);
    expect(c.metrics.identityLabel).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('reads tls.partialChain as a boolean and refuses anything else', () => {
    expect(buildConfig({ tls: { ...tls, partialChain: true } }, dir).tls.partialChain).toBe(true);
    expect(problems({ tls: { ...tls, partialChain: 'yes' } })).toEqual(['tls.partialChain: must be true or false']);
  });

  it('accepts admin: off and an audit file', () => {
    const c = buildConfig({ tls, admin: 'off', audit: { file: 'logs/audit.log' } }, dir);
    expect(c.admin.enabled).toBe(false);
    expect(c.audit.file).toBe(join(dir, 'logs/audit.log'));
  });

  it.each([
    [{ audit: 'stdout' }, undefined],
    [{ audit: { file: 'stdout' } }, undefined],
    [{ audit: { file: './stdout' } }, 'stdout'],
    [{}, undefined],
  ])('audit %j writes to %s (undefined: standard output)', (audit, file) => {
    expect(buildConfig({ tls, ...audit }, dir).audit.file).toBe(file === undefined ? undefined : join(dir, file));
  });

  it('admin.tls.crl needs admin.tls.ca, and is resolved like the other files', () => {
    expect(problems({ tls, admin: { tls: { cert: 'server-cert.pem', key: 'server-key.pem', crl: 'crl.pem' } } })).toEqual([
      'admin.tls.crl: needs admin.tls.ca: without it no client certificate is asked for',
    ]);
    const c = buildConfig({ tls, admin: { tls: { cert: 'server-cert.pem', key: 'server-key.pem', ca: 'ca.pem', crl: 'crl.pem' } } }, dir);
    expect(c.admin.tls).toEqual({ cert: join(dir, 'server-cert.pem'), key: join(dir, 'server-key.pem'), ca: join(dir, 'ca.pem'), crl: join(dir, 'crl.pem') });
  });

  it('reports every problem at once, each with its key path', () => {
    const found = problems({
      listen: 'nope',
      tls: { ca: 'missing-ca.pem', cert: 'server-cert.pem', key: 'server-key.pem', crt: 'x' },
      upstream: 'ssh://host',
      admin: { listen: '127.0.0.1:9376', tls: { cert: 'server-cert.pem' } },
      limits: { bodyBytes: -1, headersTimeoutMs: 'soon', bodyTimeoutMs: 0 },
      metrics: { identityLabel: 'yes' },
      polcy: 'policy.yaml',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^polcy: unknown key/),
        expect.stringMatching(/^listen: "nope" is not host:port/),
        expect.stringMatching(/^tls\.crt: unknown key/),
        expect.stringMatching(/^tls\.ca: .*missing-ca\.pem: no such file/),
        expect.stringMatching(/^upstream: "ssh:\/\/host" is not unix:\/\/, tcp:\/\/, http:\/\/ or npipe:\/\//),
        expect.stringMatching(/^admin\.tls\.key: is required/),
        expect.stringMatching(/^limits\.bodyBytes: must be a positive integer/),
        expect.stringMatching(/^limits\.headersTimeoutMs: must be a positive integer/),
        expect.stringMatching(/^limits\.bodyTimeoutMs: must be a positive integer/),
        expect.stringMatching(/^metrics\.identityLabel: must be true or false/),
      ]),
    );
    expect(found).toHaveLength(10);
  });

  it.each([
    [{ bodyBytes: 1000, bufferedBodyBytesPerIdentity: 1000, bufferedBodyBytes: 1000 }, []],
    [{ bodyBytes: 1000, bufferedBodyBytesPerIdentity: 999, bufferedBodyBytes: 5000 }, ['limits.bufferedBodyBytesPerIdentity: must be at least limits.bodyBytes (1000)']],
    [{ bodyBytes: 1000, bufferedBodyBytesPerIdentity: 4000, bufferedBodyBytes: 3999 }, ['limits.bufferedBodyBytes: must be at least limits.bufferedBodyBytesPerIdentity (4000)']],
    // Against the defaults: 4 MiB per body, 16 MiB per identity.
    [{ bufferedBodyBytesPerIdentity: 1024 * 1024 }, ['limits.bufferedBodyBytesPerIdentity: must be at least limits.bodyBytes (4194304)']],
    [{ bufferedBodyBytes: 8 * 1024 * 1024 }, ['limits.bufferedBodyBytes: must be at least limits.bufferedBodyBytesPerIdentity (16777216)']],
    [{ bufferedBodyBytes: 0 }, ['limits.bufferedBodyBytes: must be a positive integer']],
  ])('body budgets leave room for one body each: %j', (limits, want) => {
    expect(problems({ tls, limits }).map((p) => p.replace(/(positive integer).*/, '$1'))).toEqual(want);
  });

  it.each([
    ['bodyTimeoutMs', 2_147_483_648, 'must be a positive integer up to 2147483647, got 2147483648'],
    ['streamedBodyIdleMs', 2_147_483_648, 'must be a positive integer up to 2147483647, got 2147483648'],
    ['streamedBodyIdleMs', 0, 'must be a positive integer up to 2147483647, got 0'],
    ['shutdownGraceMs', 2 ** 40, 'must be a positive integer up to 2147483647, got 1099511627776'],
    ['headersTimeoutMs', 2 ** 53, 'must be a positive integer up to 2147483647, got 9007199254740992'],
    ['keepAliveTimeoutMs', Infinity, 'must be a positive integer up to 2147483647, got Infinity'],
    ['bodyBytes', Number.NaN, 'must be a positive integer up to 9007199254740991, got NaN'],
    ['streamsPerIdentity', 2 ** 60, 'must be a positive integer up to 9007199254740991, got 1152921504606847000'],
  ])('limits.%s = %d is refused (a longer timer would fire after 1 ms; larger sizes are not exact)', (key, value, want) => {
    expect(problems({ tls, limits: { [key]: value } })).toEqual([`limits.${key}: ${want}`]);
  });

  it('the longest timer Node takes is accepted', () => {
    expect(problems({ tls, limits: { bodyTimeoutMs: 2_147_483_647, streamedBodyIdleMs: 2_147_483_647, shutdownGraceMs: 2_147_483_647 } })).toEqual([]);
  });

  it('names missing TLS files even when the tls block is left out', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    expect(() => buildConfig({}, empty)).toThrow(/tls\.ca: .*certs\/ca\.pem: no such file/);
  });
});

describe('a key naming an address or a file that is no string is refused, never read as its default (mutation review s29)', () => {
  it.each([
    ['listen', { tls, listen: 2376 }, 'listen: must be host:port, got the number 2376 alone (write "0.0.0.0:2376" for every interface, "127.0.0.1:2376" for this host only)'],
    ['upstream', { tls, upstream: 2375 }, 'upstream: must be a non-empty string, got 2375'],
    ['policy', { tls, policy: 5 }, 'policy: must be a non-empty string, got 5'],
    ['policy, empty', { tls, policy: '' }, 'policy: must be a non-empty string, got ""'],
    ['tls.crl', { tls: { ...tls, crl: true } }, 'tls.crl: must be a non-empty string, got true'],
    ['audit.file', { tls, audit: { file: ['a.log'] } }, 'audit.file: must be a non-empty string, got ["a.log"]'],
  ])('%s', (_key, doc, want) => {
    expect(problems(doc)).toContain(want);
  });
});

describe('a missing default TLS file is named as the default, with how to create it (rev-docs F8)', () => {
  const DEFAULT = (key: string, file: string, base: string) => `tls.${key}: /certs/${file}: no such file; tls.${key} is left out, and this is its default (certs/${file}, relative to ${base})`;
  it.each([
    ['no certs/ at all, a config file', [], {}, 'x.yaml', ['ca', 'cert', 'key'].map((k, i) => `${DEFAULT(k, ['ca.pem', 'server-cert.pem', 'server-key.pem'][i] ?? '', 'the config file')}: ${i === 0 ? 'create it with "dockgate certs init --dir /certs"' : 'the certs init command above creates it too'}, or set tls.${k}`)],
    ['no certs/, the embedded default', [], {}, undefined, [`${DEFAULT('ca', 'ca.pem', 'the working directory')}: create it with "dockgate certs init --dir /certs", or set tls.ca`, expect.stringMatching(/^tls\.cert: /), expect.stringMatching(/^tls\.key: /)]],
    ['certs/ with ca.pem only: certs init would refuse there', ['ca.pem'], {}, 'x.yaml', [`${DEFAULT('cert', 'server-cert.pem', 'the config file')}: set tls.cert to where the file is`, `${DEFAULT('key', 'server-key.pem', 'the config file')}: set tls.key to where the file is`]],
    ['a tls block naming ca only: cert and key default', ['ca.pem'], { tls: { ca: 'certs/ca.pem' } }, 'x.yaml', [expect.stringMatching(/^tls\.cert: .*: set tls\.cert to where the file is$/), expect.stringMatching(/^tls\.key: /)]],
    // No default to explain, but certs init would write these very files there (rev-newuser F7).
    ['a path the config names: no default to explain', [], { tls: { ca: 'certs/ca.pem', cert: 'certs/server-cert.pem', key: 'certs/server-key.pem' } }, 'x.yaml', ['ca.pem', 'server-cert.pem', 'server-key.pem'].map((f, i) => `tls.${['ca', 'cert', 'key'][i]}: /certs/${f}: no such file: ${i === 0 ? 'create it with "dockgate certs init --dir /certs"' : 'the certs init command above creates it too'}`)],
  ] as const)('%s', (_label, present, doc, source, want) => {
    const d = mkdtempSync(join(dir, 'defaults-'));
    if (present.length > 0) mkdirSync(join(d, 'certs'));
    for (const f of present) writeFileSync(join(d, 'certs', f), 'x');
    let got: string[] = [];
    try {
      buildConfig(doc, d, source);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      got = err.problems.map((p) => `${p.path}: ${p.message}`.split(d).join(''));
    }
    expect(got).toEqual(want);
  });
});

describe('tls.crl with no tls block: ./certs/crl.pem', () => {
  /** A directory whose certs/ holds the CA files, plus `extra` of crl.pem and index.json. */
  const base = (extra: readonly string[]) => {
    const d = mkdtempSync(join(dir, 'certs-'));
    mkdirSync(join(d, 'certs'));
    for (const f of ['ca.pem', 'server-cert.pem', 'server-key.pem', ...extra]) writeFileSync(join(d, 'certs', f), 'x');
    return d;
  };
  // A dockgate CA directory (index.json beside ca.pem) keeps its revocations in crl.pem: without
  // it, revocation was silently off (rev-pki F4).
  it.each([
    ['a dockgate CA directory with its crl.pem', ['index.json', 'crl.pem'], {}, 'certs/crl.pem', []],
    ['a dockgate CA directory without crl.pem', ['index.json'], {}, undefined, ['tls.crl: /certs/crl.pem: no such file: /certs is a dockgate CA directory (index.json), whose revocations are in crl.pem, and without it every revoked certificate would be accepted; write it with "dockgate certs crl --dir /certs" (or make it readable), or, to run without revocation checks, give a tls: block without crl']],
    ['a foreign CA\'s files (no index.json) with a crl.pem', ['crl.pem'], {}, 'certs/crl.pem', []],
    ['a foreign CA\'s files (no index.json) without crl.pem', [], {}, undefined, []],
    ['a tls block without crl (explicitly none), in a dockgate CA directory', ['index.json'], { tls: { ca: 'certs/ca.pem', cert: 'certs/server-cert.pem', key: 'certs/server-key.pem' } }, undefined, []],
  ] as const)('%s', (_label, extra, doc, crl, want) => {
    const d = base(extra);
    let got: string[] = [];
    try {
      const c = buildConfig(doc, d);
      expect(c.tls.crl).toBe(crl === undefined ? undefined : join(d, crl));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      got = err.problems.map((p) => `${p.path}: ${p.message}`.split(d).join(''));
    }
    expect(got).toEqual(want);
  });
});

describe('loadConfig', () => {
  it('refuses what is not a regular file without blocking: a FIFO (it would hold start-up until written), a directory', () => {
    const fifo = join(dir, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadConfig(fifo)).toThrow(/config\.fifo is not a regular file \(a FIFO\)/);
    expect(() => loadPolicyFile(fifo)).toThrow(/config\.fifo is not a regular file \(a FIFO\)/);
    expect(() => loadConfig(dir)).toThrow(/is not a regular file \(a directory\)/);
  });

  it('refuses a file over 4 MiB before parsing it', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `listen: 127.0.0.1:1\n#${'x'.repeat(4 * 1024 * 1024)}\n`);
    expect(() => loadConfig(big)).toThrow(/big\.yaml is \d+ bytes; at most 4194304 are read/);
  });

  it('refuses an empty file: it would start every default (0.0.0.0:2376, the built-in policy)', () => {
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '# nothing yet\n');
    expect(() => loadConfig(empty)).toThrow(/empty\.yaml holds no configuration/);
  });

  it('names a duplicate key and its line, and refuses an unresolved tag', () => {
    const file = join(dir, 'dup-tag.yaml');
    writeFileSync(file, 'listen: 127.0.0.1:1\naudit: { file: !!js/function "function(){}" }\nlisten: 127.0.0.1:2\n');
    let message = '';
    try {
      loadConfig(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('duplicate key "listen" at line 3');
    expect(message).toContain('Unresolved tag');
  });

  /** The problems loadConfig reports for a config file `name` holding `text`, as `path: message`. */
  const problemsOf = (name: string, text: string): string[] => {
    const file = join(dir, name);
    writeFileSync(file, text);
    try {
      loadConfig(file);
    } catch (err) {
      return (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    return [];
  };

  // rev-config F1: a key YAML reads as a number, boolean or null is named as written, with its line.
  it.each([
    ['limits:\n  1e3: 5\n', 'line 2: key 1e3 is read by YAML as the number 1000, not a name: quote it ("1e3")'],
    ['TRUE: 1\n', 'line 1: key TRUE is read by YAML as the boolean true, not a name: quote it ("TRUE")'],
    ['metrics: { ~: x }\n', 'line 1: key ~ is read by YAML as null, not a name: quote it ("~")'],
  ])('refuses a key that is not a string: %j', (text, message) => {
    expect(problemsOf('numkey.yaml', text)).toContain(`(yaml): ${message}`);
  });

  // rev-config F3: a Map, Set or Date has no own keys; read as a mapping its settings vanished.
  it.each([
    ['tls: !!omap [ {ca: ca.pem}, {cert: server-cert.pem}, {key: server-key.pem}, {crl: crl.pem} ]\n', 'tls: must be a mapping with ca, cert and key'],
    ['limits: !!omap [ {streamsPerIdentity: 1} ]\n', 'limits: must be a mapping with keys:'],
    ['metrics: !!set { ? identityLabel }\n', 'metrics: must be a mapping with keys: identityLabel'],
    ['audit: !!pairs [ {file: a.log} ]\n', 'audit: must be a mapping with keys: file'],
    ['admin: !!omap [ {listen: "127.0.0.1:1"} ]\n', 'admin: must be host:port, off, or a mapping with listen and tls'],
    ['admin: { listen: "127.0.0.1:1", tls: !!set { ? cert } }\n', 'admin.tls: must be a mapping with cert, key and optional ca and crl'],
    ['%YAML 1.1\n---\ntls: 2024-01-01\n', 'tls: must be a mapping with ca, cert and key'],
    ['--- !!omap\n- policy: policy.yaml\n', '(root): must be a mapping'],
  ])('refuses a tagged collection where a mapping belongs: %j', (text, message) => {
    expect(problemsOf('tagged.yaml', text).some((g) => g.startsWith(message))).toBe(true);
  });

  // Mutation review s29: a YAML value the library cannot build is refused saying so, not as a
  // file that "holds no configuration".
  it.each([
    ['an alias bomb', `a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array.from({ length: 10 }, () => `*a${i}`).join(', ')}]`).join('\n')}\n`, /^\(yaml\): Excessive alias count/],
    ['a YAML 1.1 merge of a scalar', '%YAML 1.1\n---\nlisten: 127.0.0.1:1\nlimits: { <<: 1 }\n', /^\(yaml\): Merge sources must be maps/],
  ])('refuses %s as YAML that cannot be read', (_name, text, want) => {
    expect(problemsOf('unbuildable.yaml', text)).toEqual([expect.stringMatching(want)]);
  });

  it('refuses duplicate keys and invalid YAML with the file named', () => {
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, 'listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n');
    expect(() => loadConfig(file)).toThrow(/dup\.yaml/);
    const missing = join(dir, 'absent.yaml');
    expect(() => loadConfig(missing)).toThrow(/absent\.yaml: no such file/);
  });

  it('loads a valid file', () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, 'listen: tcp://127.0.0.1:2376\ntls: { ca: ca.pem, cert: server-cert.pem, key: server-key.pem, crl: crl.pem }\nupstream: tcp://127.0.0.1:2375\n');
    const c = loadConfig(file);
    expect(c.source).toBe(file);
    expect(c.tls.crl).toBe(join(dir, 'crl.pem'));
    expect(c.tls.partialChain).toBe(false);
    expect(c.upstream).toMatchObject({ kind: 'tcp', port: 2375 });
  });
});

describe('a listen address written as a port alone (rev-newuser F6)', () => {
  it.each([
    [{ tls, listen: 46340 }, 'listen: must be host:port, got the number 46340 alone (write "0.0.0.0:46340" for every interface, "127.0.0.1:46340" for this host only)'],
    [{ tls, admin: { listen: 9376 } }, 'admin.listen: must be host:port, got the number 9376 alone (write "0.0.0.0:9376" for every interface, "127.0.0.1:9376" for this host only)'],
    [{ tls, listen: '46840' }, 'listen: must be host:port, got the port 46840 alone (write "0.0.0.0:46840" for every interface, "127.0.0.1:46840" for this host only)'],
    [{ tls, admin: '9376' }, 'admin: must be host:port, got the port 9376 alone (write "0.0.0.0:9376" for every interface, "127.0.0.1:9376" for this host only)'],
    [{ tls, listen: true }, 'listen: must be a non-empty string, got true'],
  ])('%j', (doc, message) => {
    expect(problems(doc)).toEqual([message]);
  });
});
