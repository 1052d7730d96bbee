/**
 * Loads the gateway configuration (YAML), validates every key, resolves paths relative to the
 * file, checks that named files are readable, and returns a frozen GatewayConfig.
 * All problems are reported at once (ConfigError); the CLI exits 2 on them.
 */
import { dirname, resolve } from 'node:path';
import { parseUpstream } from './address.js';
import { readAdmin } from './admin-section.js';
import { readConfigText, parseConfigText } from './config-text.js';
import { DEFAULTS } from './defaults.js';
import { readFilePath, readListen, readMapping, readString } from './field-readers.js';
import { AUDIT_KEYS, LIMITS_KEYS, METRICS_KEYS } from './keys.js';
import { readTls } from './tls-section.js';
import { checkTopLevelKeys, emptyConfigProblem, NOT_A_MAPPING } from './top-level.js';
import type { GatewayConfig } from './types.js';
import { ConfigError, isRecord, MAX_TIMER_MS, ProblemList, readPositiveInt } from './validate.js';
import { textDigest } from '../core/text-digest.js';

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
    policy: raw.policy === undefined ? undefined : readFilePath(problems, base, 'policy', raw.policy),
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

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
