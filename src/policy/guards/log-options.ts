/**
 * `logOptions: { maxSize: 100m, maxFile: 5, allow: [max-size, max-file, compress, ...] }`
 * bounds the logging driver's options a container or service sets (`docker run --log-opt`,
 * HostConfig.LogConfig.Config, service TaskTemplate.LogDriver.Options): the json-file and
 * local drivers keep logs under dockerd's data root, up to `max-size` per file times
 * `max-file` files, so `max-size=100g` with `max-file=99999` may fill the host's disk.
 *
 * - `maxSize`: refuses a `max-size` above it (the value and the setting read as dockerd reads
 *   them: log-option-values.ts), and one dockerd would not read;
 * - `maxFile`: refuses a `max-file` above it, and one Go's `strconv.Atoi` would not read;
 * - `allow`: refuses option keys not listed (keys are exact, as Go map keys are);
 * - `requireMaxSize: true`: refuses a container or service without `max-size` whose driver is
 *   json-file or left to the daemon: without one, json-file takes the daemon's `log-opts`
 *   (daemon.json), which the gateway cannot see, and without those its logs have no bound.
 *
 * `true` checks nothing, `false` allows no options at all. A duplicate key in a map never
 * reaches a guard: the facts stage refuses it (Go keeps the last).
 *
 * Not container updates: dockerd decodes an update body into UpdateConfig (resources and the
 * restart policy), which has no LogConfig, so a LogConfig there is ignored and the container keeps
 * its log options (dockerd 20.10, checked 2026-12-07: inspect and hostconfig.json unchanged after
 * an update with `LogConfig.Config["max-size"] = "100g"`). The guard checks the request dockerd
 * acts on, and so leaves updates alone.
 */
import type { JsonValue } from '../../core/types.js';
import { field, isObject } from '../../facts/go-fold.js';
import { checkKeys, isRecord, stringList, type KeyPath, type Problems } from '../problems.js';
import { hostConfigField, hostConfigName, isServiceWrite, show, typeName, type Found } from './body.js';
import { defineGuard } from './guard.js';
import { logMaxFileCount, logMaxSizeBytes } from './log-option-values.js';
import { OP, SERVICE_OPS } from './operations.js';

/** Parsed `logOptions` settings; an undefined bound is not checked. */
export interface LogOptionsSetting {
  /** No check at all (`logOptions: true`). */
  any: boolean;
  /** Largest `max-size` in bytes. */
  maxSize?: number;
  /** Largest `max-file`. */
  maxFile?: number;
  /** Option keys allowed; undefined allows every key. */
  allow?: string[];
  /** Refuse json-file (or the daemon's default driver) without `max-size`. */
  requireMaxSize: boolean;
}

const KEYS = ['maxSize', 'maxFile', 'allow', 'requireMaxSize'];

/** Parse `true` / `false` / `{ maxSize, maxFile, allow, requireMaxSize }`. */
export function parseLogOptions(value: unknown, at: KeyPath, problems: Problems): LogOptionsSetting | undefined {
  if (typeof value === 'boolean') return value ? { any: true, requireMaxSize: false } : { any: false, allow: [], requireMaxSize: false };
  if (!isRecord(value)) {
    problems.add(at, 'must be true, false or { maxSize, maxFile, allow, requireMaxSize }');
    return undefined;
  }
  checkKeys(value, KEYS, at, problems);
  if (!KEYS.some((k) => k in value)) {
    problems.add(at, `needs at least one of: ${KEYS.join(', ')}`);
    return undefined;
  }
  const out: LogOptionsSetting = { any: false, requireMaxSize: false };
  let ok = true;
  if ('maxSize' in value) {
    const bytes = typeof value.maxSize === 'number' ? value.maxSize : typeof value.maxSize === 'string' ? logMaxSizeBytes(value.maxSize) : undefined;
    if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes < 1) {
      problems.add([...at, 'maxSize'], 'must be a size as dockerd reads max-size (100m, 1g: decimal units) or a whole number of bytes, above 0');
      ok = false;
    } else out.maxSize = bytes;
  }
  if ('maxFile' in value) {
    if (typeof value.maxFile !== 'number' || !Number.isSafeInteger(value.maxFile) || value.maxFile < 1) {
      problems.add([...at, 'maxFile'], 'must be a positive integer');
      ok = false;
    } else out.maxFile = value.maxFile;
  }
  if ('allow' in value) {
    const list = stringList(value.allow, [...at, 'allow'], problems);
    if (list) out.allow = list;
    else ok = false;
  }
  if ('requireMaxSize' in value) {
    if (typeof value.requireMaxSize !== 'boolean') {
      problems.add([...at, 'requireMaxSize'], 'must be true or false');
      ok = false;
    } else out.requireMaxSize = value.requireMaxSize;
  }
  return ok ? out : undefined;
}

const LOG_CONFIG = hostConfigName('LogConfig');

/** One place a request sets logging: its driver (as given, if any) and its options map. */
interface LogSetting {
  path: string;
  driver: JsonValue | undefined;
  options: Found | undefined;
}

function logSettings(facts: Parameters<typeof hostConfigField>[0]): LogSetting[] {
  const out: LogSetting[] = [];
  for (const f of hostConfigField(facts, LOG_CONFIG)) {
    const options = field(f.value, 'Config');
    out.push({ path: f.path, driver: field(f.value, 'Type'), options: options === undefined || options === null ? undefined : { path: `${f.path}.Config`, value: options } });
  }
  const op = facts.operation?.name;
  // A create without any LogConfig takes the daemon's default driver and log-opts.
  if (out.length === 0 && op === 'ContainerCreate') out.push({ path: 'HostConfig.LogConfig', driver: undefined, options: undefined });
  if (isServiceWrite(facts)) {
    const driver = field(facts.body, 'TaskTemplate', 'LogDriver');
    const options = field(driver, 'Options');
    out.push({ path: 'TaskTemplate.LogDriver', driver: field(driver, 'Name'), options: options === undefined || options === null ? undefined : { path: 'TaskTemplate.LogDriver.Options', value: options } });
  }
  return out;
}

function checkOption(config: LogOptionsSetting, at: string, key: string, value: JsonValue): string | undefined {
  // Option values may be secrets (splunk-token): a refused key is named, its value never quoted.
  if (config.allow && !config.allow.includes(key)) return `${at}[${JSON.stringify(key)}] is not an allowed log option`;
  if (typeof value !== 'string') return `${at}[${JSON.stringify(key)}] is ${typeName(value)}, not a string`;
  if (key === 'max-size' && config.maxSize !== undefined) {
    const bytes = logMaxSizeBytes(value);
    if (bytes === undefined) return `${at}["max-size"] ${show(value)} is not a size dockerd reads the same way in every release`;
    if (bytes > config.maxSize) return `${at}["max-size"] ${show(value)} (${bytes} bytes) is above the allowed ${config.maxSize} bytes`;
  }
  if (key === 'max-file' && config.maxFile !== undefined) {
    const count = logMaxFileCount(value);
    if (count === undefined) return `${at}["max-file"] ${show(value)} is not a number dockerd reads`;
    if (count > BigInt(config.maxFile)) return `${at}["max-file"] ${show(value)} is above the allowed ${config.maxFile}`;
  }
  return undefined;
}

/** The `logOptions` guard, as this file's header describes it. */
export const logOptionsGuard = defineGuard({
  key: 'logOptions',
  summary: 'logging driver options (HostConfig.LogConfig.Config, service TaskTemplate.LogDriver.Options): max-size, max-file and keys',
  // ContainerStart: dockerd 20.10 applies a start body's HostConfig, LogConfig included (API < 1.24).
  operations: [OP.containerCreate, OP.containerStart, ...SERVICE_OPS],
  parse: parseLogOptions,
  check(config, { facts }) {
    if (config.any) return undefined;
    for (const s of logSettings(facts)) {
      const opts = s.options?.value;
      if (opts !== undefined && !isObject(opts)) return { code: 'log-option', reason: `${s.options?.path ?? s.path} is ${typeName(opts)}, not a map` };
      for (const [key, value] of Object.entries(opts ?? {})) {
        const reason = checkOption(config, s.options?.path ?? s.path, key, value);
        if (reason) return { code: 'log-option', reason };
      }
      const defaultOrJsonFile = s.driver === undefined || s.driver === null || s.driver === '' || s.driver === 'json-file';
      if (config.requireMaxSize && defaultOrJsonFile && !(opts && 'max-size' in opts)) {
        return { code: 'log-option', reason: `${s.path} sets no max-size (requireMaxSize: json-file logs would take the daemon's log-opts, or grow without a bound)` };
      }
    }
    return undefined;
  },
});
