/**
 * Loads the gateway configuration (YAML), validates every key, resolves paths relative to the
 * file, checks that named files are readable, and returns a frozen GatewayConfig.
 * All problems are reported at once (ConfigError); the CLI exits 2 on them.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { parseListen, parseUpstream } from './address.js';
import { DEFAULT_TLS_FILES, defaultTlsFileProblem, namedTlsFileHint } from './default-tls.js';
import { unreadableReason } from './unreadable.js';
import { ADMIN_KEYS, ADMIN_TLS_KEYS, AUDIT_KEYS, LIMITS_KEYS, METRICS_KEYS, TLS_KEYS } from './keys.js';
import { checkTopLevelKeys, emptyConfigProblem, NOT_A_MAPPING } from './top-level.js';
import type { AdminConfig, GatewayConfig, ListenAddress, TlsConfig } from './types.js';
import { ConfigError, isRecord, MAX_TIMER_MS, ProblemList, readPositiveInt } from './validate.js';
import { commandName } from '../core/command-name.js';
import { textDigest } from '../core/text-digest.js';
import { duplicateKeys, readYamlFile } from './yaml-file.js';
import { nonNameKeys } from './yaml-keys.js';
import { yamlErrorMessage } from './yaml-messages.js';

/** Defaults used for keys the file leaves out, and for `dockgate serve` with no config at all. */
export const DEFAULTS = {
  listen: '0.0.0.0:2376',
  upstream: 'unix:///var/run/docker.sock',
  certDir: 'certs',
  admin: '127.0.0.1:9376',
  bodyBytes: 4 * 1024 * 1024,
  bufferedBodyBytes: 128 * 1024 * 1024,
  bufferedBodyBytesPerIdentity: 16 * 1024 * 1024,
  streamsPerIdentity: 1000,
  requestsPerIdentity: 256,
  handshakesPerSource: 128,
  handshakeFailuresPerSource: 50,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  streamedBodyIdleMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  shutdownGraceMs: 10_000,
} as const;

function checkReadable(problems: ProblemList, path: string, file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // tls.ca, admin.tls.key, ...: a missing file certs init would write there gets its command.
    const tlsKey = /^(?:admin\.)?tls\.(\w+)$/.exec(path)?.[1];
    const hint = code === 'ENOENT' && tlsKey !== undefined ? namedTlsFileHint(file, tlsKey, (hint, again) => problems.once(hint, again)) : undefined;
    problems.add(path, `${file}: ${unreadableReason(file, code)}${hint === undefined ? '' : `: ${hint}`}`);
  }
}

function readString(problems: ProblemList, path: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    problems.add(path, `must be a non-empty string, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

function readListen(problems: ProblemList, path: string, value: unknown, fallback: string): ListenAddress {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    // `listen: 2376`, a port alone: YAML reads a number (rev-newuser F6).
    problems.add(path, `must be host:port, got ${typeof value === 'number' ? 'the number ' : 'the port '}${value} alone (write "0.0.0.0:${value}" for every interface, "127.0.0.1:${value}" for this host only)`);
    return { host: '0.0.0.0', port: 0 };
  }
  const text = readString(problems, path, value) ?? fallback;
  const parsed = parseListen(text);
  if (!parsed.ok) {
    problems.add(path, parsed.message);
    return { host: '0.0.0.0', port: 0 };
  }
  return parsed.value;
}

function readFile(problems: ProblemList, base: string, path: string, value: unknown): string | undefined {
  const text = readString(problems, path, value);
  if (text === undefined) return undefined;
  const file = resolve(base, text);
  checkReadable(problems, path, file);
  return file;
}

/** `relativeTo` names `base` in messages about a default file (`the config file`). */
function readTls(problems: ProblemList, base: string, raw: unknown, relativeTo: string): TlsConfig {
  const tls = isRecord(raw) ? raw : {};
  if (raw !== undefined && !isRecord(raw)) problems.add('tls', 'must be a mapping with ca, cert and key');
  problems.unknownKeys('tls', tls, TLS_KEYS);
  if (tls.partialChain !== undefined && typeof tls.partialChain !== 'boolean') problems.add('tls.partialChain', 'must be true or false');
  const file = (name: 'ca' | 'cert' | 'key'): string => {
    if (tls[name] !== undefined) return readFile(problems, base, `tls.${name}`, tls[name]) ?? '';
    const certDir = resolve(base, DEFAULTS.certDir);
    const problem = defaultTlsFileProblem(certDir, name, relativeTo, (hint, again) => problems.once(hint, again));
    if (problem) problems.add(`tls.${name}`, problem);
    return join(certDir, DEFAULT_TLS_FILES[name]);
  };
  return {
    ca: file('ca'),
    cert: file('cert'),
    key: file('key'),
    crl: tls.crl === undefined ? defaultCrl(problems, raw, base) : readFile(problems, base, 'tls.crl', tls.crl),
    partialChain: tls.partialChain === true,
  };
}

/**
 * With no `tls:` block (the embedded default), use ./certs/crl.pem. In a dockgate CA directory
 * (index.json beside ca.pem: `certs init` wrote it, and `certs revoke` writes its revocations
 * into crl.pem) the file is required: without it every revoked certificate would be accepted,
 * with no sign of it. Elsewhere (a foreign CA's files in ./certs) it is used when it exists.
 * A config that means to run without a CRL says so with a `tls:` block that has no `crl`.
 */
function defaultCrl(problems: ProblemList, raw: unknown, base: string): string | undefined {
  if (raw !== undefined) return undefined;
  const dir = resolve(base, DEFAULTS.certDir);
  const file = join(dir, 'crl.pem');
  try {
    accessSync(file, constants.R_OK);
    return file;
  } catch (err) {
    if (!existsSync(join(dir, 'index.json'))) return undefined;
    const code = (err as NodeJS.ErrnoException).code;
    problems.add(
      'tls.crl',
      `${file}: ${unreadableReason(file, code)}: ${dir} is a dockgate CA directory (index.json), whose revocations are in crl.pem, ` +
        `and without it every revoked certificate would be accepted; write it with "${commandName()} certs crl --dir ${dir}" (or make it readable), ` +
        'or, to run without revocation checks, give a tls: block without crl',
    );
    return undefined;
  }
}

function readAdmin(problems: ProblemList, base: string, raw: unknown): AdminConfig {
  if (raw === 'off' || raw === false) return { enabled: false, listen: { host: '127.0.0.1', port: 0 } };
  if (raw === undefined || typeof raw === 'string') {
    const listen = readListen(problems, 'admin', raw, DEFAULTS.admin);
    // `admin: Off` or `disabled` reads as an address; say how to turn the listener off.
    const last = problems.items.at(-1);
    if (typeof raw === 'string' && last?.path === 'admin' && !/\d/.test(raw)) last.message += ' (to turn the admin listener off: off or false)';
    return { enabled: true, listen };
  }
  if (!isRecord(raw)) {
    problems.add('admin', 'must be host:port, off, or a mapping with listen and tls');
    return { enabled: false, listen: { host: '127.0.0.1', port: 0 } };
  }
  problems.unknownKeys('admin', raw, ADMIN_KEYS);
  const admin: AdminConfig = { enabled: true, listen: readListen(problems, 'admin.listen', raw.listen, DEFAULTS.admin) };
  if (raw.tls !== undefined) {
    const tls = isRecord(raw.tls) ? raw.tls : {};
    if (!isRecord(raw.tls)) problems.add('admin.tls', 'must be a mapping with cert, key and optional ca and crl');
    problems.unknownKeys('admin.tls', tls, ADMIN_TLS_KEYS);
    if (tls.crl !== undefined && tls.ca === undefined) problems.add('admin.tls.crl', 'needs admin.tls.ca: without it no client certificate is asked for');
    if (tls.cert === undefined) problems.add('admin.tls.cert', 'is required when admin.tls is set');
    if (tls.key === undefined) problems.add('admin.tls.key', 'is required when admin.tls is set');
    admin.tls = {
      cert: readFile(problems, base, 'admin.tls.cert', tls.cert) ?? '',
      key: readFile(problems, base, 'admin.tls.key', tls.key) ?? '',
      ca: tls.ca === undefined ? undefined : readFile(problems, base, 'admin.tls.ca', tls.ca),
      crl: tls.crl === undefined ? undefined : readFile(problems, base, 'admin.tls.crl', tls.crl),
    };
  }
  return admin;
}

function readMapping(problems: ProblemList, key: string, raw: unknown, known: readonly string[]): Record<string, unknown> {
  if (raw === undefined) return {};
  if (!isRecord(raw)) {
    problems.add(key, `must be a mapping with keys: ${known.join(', ')}`);
    return {};
  }
  problems.unknownKeys(key, raw, known);
  return raw;
}

/**
 * `audit.file`: a path resolved against `base`, or undefined for standard output (left out,
 * or the word `stdout`, which README gives as the default; `./stdout` names a file).
 */
function readAuditFile(problems: ProblemList, base: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = readString(problems, 'audit.file', value) ?? '';
  return text === 'stdout' ? undefined : resolve(base, text);
}

/**
 * Validate a parsed config document. `base` is the directory relative paths are resolved
 * against; `source` names the file in messages. Throws ConfigError listing every problem.
 */
export function buildConfig(doc: unknown, base: string, source?: string, sourceDigest?: string): GatewayConfig {
  const problems = new ProblemList();
  const raw = doc === null || doc === undefined ? {} : doc;
  if (!isRecord(raw)) throw new ConfigError(source ?? '(default)', [NOT_A_MAPPING]);
  checkTopLevelKeys(problems, raw);

  const upstreamText = readString(problems, 'upstream', raw.upstream) ?? DEFAULTS.upstream;
  const upstream = parseUpstream(upstreamText);
  if (!upstream.ok) problems.add('upstream', upstream.message);

  const audit = readMapping(problems, 'audit', raw.audit === 'stdout' ? {} : raw.audit, AUDIT_KEYS);
  const metrics = readMapping(problems, 'metrics', raw.metrics, METRICS_KEYS);
  if (metrics.identityLabel !== undefined && typeof metrics.identityLabel !== 'boolean') {
    problems.add('metrics.identityLabel', 'must be true or false');
  }
  const limits = readMapping(problems, 'limits', raw.limits, LIMITS_KEYS);

  const config: GatewayConfig = {
    source,
    ...(sourceDigest === undefined ? {} : { sourceDigest }),
    listen: readListen(problems, 'listen', raw.listen, DEFAULTS.listen),
    tls: readTls(problems, base, raw.tls, source === undefined ? 'the working directory' : 'the config file'),
    upstream: upstream.ok ? upstream.value : { kind: 'unix', path: '/var/run/docker.sock', url: DEFAULTS.upstream },
    policy: raw.policy === undefined ? undefined : readFile(problems, base, 'policy', raw.policy),
    admin: readAdmin(problems, base, raw.admin),
    audit: { file: readAuditFile(problems, base, audit.file) },
    metrics: { identityLabel: metrics.identityLabel !== false },
    limits: {
      bodyBytes: readPositiveInt(problems, 'limits.bodyBytes', limits.bodyBytes, DEFAULTS.bodyBytes),
      bufferedBodyBytes: readPositiveInt(problems, 'limits.bufferedBodyBytes', limits.bufferedBodyBytes, DEFAULTS.bufferedBodyBytes),
      bufferedBodyBytesPerIdentity: readPositiveInt(problems, 'limits.bufferedBodyBytesPerIdentity', limits.bufferedBodyBytesPerIdentity, DEFAULTS.bufferedBodyBytesPerIdentity),
      streamsPerIdentity: readPositiveInt(problems, 'limits.streamsPerIdentity', limits.streamsPerIdentity, DEFAULTS.streamsPerIdentity),
      requestsPerIdentity: readPositiveInt(problems, 'limits.requestsPerIdentity', limits.requestsPerIdentity, DEFAULTS.requestsPerIdentity),
      handshakesPerSource: readPositiveInt(problems, 'limits.handshakesPerSource', limits.handshakesPerSource, DEFAULTS.handshakesPerSource),
      handshakeFailuresPerSource: readPositiveInt(problems, 'limits.handshakeFailuresPerSource', limits.handshakeFailuresPerSource, DEFAULTS.handshakeFailuresPerSource),
      headersTimeoutMs: readPositiveInt(problems, 'limits.headersTimeoutMs', limits.headersTimeoutMs, DEFAULTS.headersTimeoutMs, MAX_TIMER_MS),
      bodyTimeoutMs: readPositiveInt(problems, 'limits.bodyTimeoutMs', limits.bodyTimeoutMs, DEFAULTS.bodyTimeoutMs, MAX_TIMER_MS),
      streamedBodyIdleMs: readPositiveInt(problems, 'limits.streamedBodyIdleMs', limits.streamedBodyIdleMs, DEFAULTS.streamedBodyIdleMs, MAX_TIMER_MS),
      keepAliveTimeoutMs: readPositiveInt(problems, 'limits.keepAliveTimeoutMs', limits.keepAliveTimeoutMs, DEFAULTS.keepAliveTimeoutMs, MAX_TIMER_MS),
      shutdownGraceMs: readPositiveInt(problems, 'limits.shutdownGraceMs', limits.shutdownGraceMs, DEFAULTS.shutdownGraceMs, MAX_TIMER_MS),
    },
  };
  const { bodyBytes, bufferedBodyBytes, bufferedBodyBytesPerIdentity } = config.limits;
  // Each must leave room for one body of the size below it, or such a body could never pass.
  if (bufferedBodyBytesPerIdentity < bodyBytes) problems.add('limits.bufferedBodyBytesPerIdentity', `must be at least limits.bodyBytes (${bodyBytes})`);
  if (bufferedBodyBytes < bufferedBodyBytesPerIdentity) problems.add('limits.bufferedBodyBytes', `must be at least limits.bufferedBodyBytesPerIdentity (${bufferedBodyBytesPerIdentity})`);
  if (problems.items.length > 0) throw new ConfigError(source ?? '(default)', problems.items);
  return deepFreeze(config);
}

/** Read, parse and validate the config file at `file`. Throws ConfigError with every problem. */
export function loadConfig(file: string): GatewayConfig {
  const abs = resolve(file);
  const text = readConfigText(abs);
  const doc = parseConfigText(text, abs);
  if (doc === null || doc === undefined) throw new ConfigError(abs, [emptyConfigProblem(abs)]);
  return buildConfig(doc, dirname(abs), abs, textDigest(text));
}

/**
 * Why the config file at `abs` cannot be read, naming it once (rev-newuser F9): an OS error in
 * dockgate's words (`no such file`), not Node's (`ENOENT: no such file or directory, open
 * '...'`) after the path again; readRegularFile's own refusals already start with the path.
 */
export function configReadProblem(abs: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string' && typeof e.syscall === 'string') return `${abs}: ${unreadableReason(abs, e.code)}`;
  const message = e instanceof Error ? e.message : String(err);
  return message.startsWith(abs) ? message : `${abs}: ${message}`;
}

/** The text of the config file at absolute path `abs`; throws ConfigError saying why it cannot be read. */
export function readConfigText(abs: string): string {
  try {
    return readYamlFile(abs);
  } catch (err) {
    throw new ConfigError(abs, [{ path: '(file)', message: configReadProblem(abs, err) }]);
  }
}

/**
 * The value of config text (null or undefined for no document). Throws ConfigError for every
 * syntax error, duplicate key, key that is no string and unresolved tag, with lines. Also used
 * by `policy check --config`, so both say the same about the same file.
 */
export function parseConfigText(text: string, abs: string): unknown {
  const lines = new LineCounter();
  let doc: unknown;
  try {
    const parsed = parseDocument(text, { uniqueKeys: false, lineCounter: lines, prettyErrors: false });
    const at = (offset: number) => `line ${lines.linePos(offset).line}`;
    // Every syntax error, duplicate key and unresolved tag (`!!js/function` would read as a string).
    const problems = [
      ...[...parsed.errors, ...parsed.warnings].map((e) => `${at(e.pos[0])}: ${yamlErrorMessage(e, lines.linePos(e.pos[0]).col)}`),
      ...duplicateKeys(parsed).map((d) => `duplicate key "${d.key}" at ${at(d.offset)}`),
      ...nonNameKeys(parsed).map((k) => `${at(k.offset)}: ${k.message}`),
    ];
    if (problems.length > 0) throw new ConfigError(abs, problems.map((message) => ({ path: '(yaml)', message })));
    doc = parsed.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(abs, [{ path: '(yaml)', message: (err as Error).message.split('\n')[0] ?? 'invalid YAML' }]);
  }
  return doc;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
