/**
 * A strict JSON decoder that accepts only bodies dockerd's `json.NewDecoder(r).Decode(&v)`
 * reads exactly one way. Go's decoder matches struct fields case-insensitively with Unicode
 * folding (which differs between Go releases for `İ` and `ı`), merges duplicate keys into one
 * field, replaces invalid UTF-8 and lone surrogates with U+FFFD, and ignores bytes after the
 * first value; each of these is refused here, so the body the policy inspects is the body
 * the daemon acts on. The keys of Go maps (`Labels`, driver options, ...) are matched to
 * nothing: keys that differ only in case are distinct entries there, as in Go, and only an
 * exact duplicate is refused.
 */
import type { JsonObject, JsonValue } from '../core/types.js';
import { BodyError } from './errors.js';
import { goFold, rememberFoldedKeys } from './go-fold.js';

/** Deepest nesting of arrays and objects we inspect (Go allows 10000). */
export const MAX_JSON_DEPTH = 512;

/** The top-level shape an operation's body must have. */
export type JsonShape = 'object' | 'array' | 'any';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/**
 * `İ` (U+0130) and `ı` (U+0131): Go 1.19's decoder (dockerd 20.10) matches no struct field
 * with them, later releases fold `ı` to `I`. Which Go built the daemon is unknown here, so a
 * key holding either is refused (tenancy would otherwise write into an object the daemon ignores),
 * except the keys of maps (MAP_FIELDS), which are never matched to fields.
 */
const DOTTED_I = /[\u0130\u0131]/;
/**
 * Folded names of the fields whose value is a Go map with keys of the caller's choosing, in
 * every body the gateway decodes (moby's api/types; none of these names is a struct-typed
 * field anywhere in them): container `Labels`, `ExposedPorts`, `Volumes`; HostConfig
 * `PortBindings`, `StorageOpt`, `Tmpfs`, `Sysctls`, `Annotations`, `DeviceRequests[].Options`;
 * mount `VolumeOptions.Labels` and `DriverConfig.Options`; `EndpointsConfig` and endpoint
 * `DriverOpts`; network `Options`, `Labels`, `IPAM.Options`, `IPAM.Config[].AuxiliaryAddresses`;
 * volume `DriverOpts`, `Labels` and cluster-volume topology `Segments`; swarm `Labels`, driver
 * `Options` (log drivers, external CAs, secret drivers), service `Sysctls`; build `outputs`
 * `Attrs`. Their keys are data, taken exactly, never matched to struct fields: `İ`/`ı` in
 * them are not ambiguous, and keys that fold alike are distinct entries.
 */
const MAP_FIELDS = new Set([
  'LABELS', 'DRIVEROPTS', 'OPTIONS', 'SYSCTLS', 'STORAGEOPT', 'TMPFS', 'EXPOSEDPORTS', 'VOLUMES', 'PORTBINDINGS',
  'ENDPOINTSCONFIG', 'ANNOTATIONS', 'AUXILIARYADDRESSES', 'SEGMENTS', 'ATTRS',
]);
/**
 * Map-valued fields whose name is a map only under one parent field, as `parent.field`
 * folded: `LogConfig.Config` (log driver options); `Config` elsewhere is not a map (`IPAM.Config`
 * is a list).
 */
const NESTED_MAP_FIELDS = new Set(['LOGCONFIG.CONFIG']);

/** True when struct field `fold` (under struct field `parent`, if any) holds a Go map. */
function isMapField(parent: string | undefined, fold: string): boolean {
  return MAP_FIELDS.has(fold) || (parent !== undefined && NESTED_MAP_FIELDS.has(`${parent}.${fold}`));
}
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  pos = 0;
  /** A whole number was written with a fraction or an exponent, or as `-0` (see DecodeInfo). */
  wholeNumberAsFloat = false;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new BodyError('bad-json', `invalid JSON at offset ${this.pos}: ${message}`);
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  /**
   * `userKeys`: the value is a map whose keys are data (labels, options), not struct fields.
   * `fold`: the folded struct field name the value belongs to, if any.
   */
  value(depth: number, userKeys = false, fold?: string): JsonValue {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{' || c === '[') {
      if (depth >= MAX_JSON_DEPTH) throw new BodyError('deep-json', `JSON nested deeper than ${MAX_JSON_DEPTH}`);
      return c === '{' ? (userKeys ? this.map(depth + 1) : this.object(depth + 1, fold)) : this.array(depth + 1);
    }
    if (c === '"') return this.string();
    if (c === 't' || c === 'f' || c === 'n') return this.literal();
    return this.number();
  }

  literal(): JsonValue {
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail('unexpected character');
  }

  number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return this.fail('unexpected character');
    this.pos += m[0].length;
    const n = Number(m[0]);
    // Go keeps int64/uint64 exact; a JavaScript number would not see the same value.
    if (!Number.isFinite(n) || (/^-?[0-9]+$/.test(m[0]) && !Number.isSafeInteger(n))) {
      throw new BodyError('ambiguous-json', `number ${m[0]} cannot be inspected exactly`);
    }
    // `-0` too: Go refuses it in an unsigned field, JSON.stringify writes it as `0`.
    if (Number.isInteger(n) && (/[.eE]/.test(m[0]) || Object.is(n, -0))) this.wholeNumberAsFloat = true;
    return n;
  }

  string(): string {
    const t = this.text;
    let out = '';
    let start = ++this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(start, this.pos);
      out += this.escape();
      start = this.pos;
    }
    out += t.slice(start, this.pos++);
    return out;
  }

  /** One escape at `pos` (the backslash); \u surrogate pairs must be complete. */
  escape(): string {
    const t = this.text;
    const e = t[this.pos + 1] ?? '';
    if (e !== 'u') {
      const simple = ESCAPES[e];
      if (simple === undefined) this.fail('invalid escape');
      this.pos += 2;
      return simple;
    }
    const hi = this.hex4(this.pos + 2);
    this.pos += 6;
    if (hi < 0xd800 || hi > 0xdfff) return String.fromCharCode(hi);
    const lo = t.startsWith('\\u', this.pos) ? this.hex4(this.pos + 2) : -1;
    if (hi > 0xdbff || lo < 0xdc00 || lo > 0xdfff) {
      throw new BodyError('ambiguous-json', 'lone surrogate escape (Go reads it as U+FFFD)');
    }
    this.pos += 6;
    return String.fromCharCode(hi, lo);
  }

  hex4(at: number): number {
    const h = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('invalid \\u escape');
    return parseInt(h, 16);
  }

  array(depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected "," or "]"');
    }
  }

  /**
   * A struct: keys are matched to fields with Go's folding, so two keys that fold alike (or
   * one key twice) would be merged into one field: refused. `fold` is the folded name of the
   * field this struct is the value of (for NESTED_MAP_FIELDS).
   */
  object(depth: number, fold?: string): JsonObject {
    const out: JsonObject = Object.create(null);
    const folded = new Map<string, string>();
    rememberFoldedKeys(out, folded);
    this.members(() => {
      const key = this.key();
      if (DOTTED_I.test(key)) {
        throw new BodyError('ambiguous-json', `key ${JSON.stringify(key)} has a dotted or dotless I, which Go releases match to fields differently`);
      }
      const keyFold = goFold(key);
      const seen = folded.get(keyFold);
      if (seen !== undefined) {
        const what = seen === key ? 'duplicate key' : `keys ${JSON.stringify(seen)} and`;
        throw new BodyError('ambiguous-json', `${what} ${JSON.stringify(key)} in one object (Go merges them)`);
      }
      folded.set(keyFold, key);
      out[key] = this.value(depth, isMapField(fold, keyFold), keyFold);
    });
    return out;
  }

  /**
   * A Go map: keys are data, compared exactly (`a` and `A` are two entries, as in Go). An exact
   * duplicate, which Go resolves by keeping the last, is refused like a struct's: no client
   * sends one, and another reader of the body (an authorization plugin, a log) may keep the
   * first. Values are parsed as whatever they are (a network named `Labels` does not make its
   * settings a map). Recorded as a map, so struct lookups into it match keys exactly.
   */
  map(depth: number): JsonObject {
    const out: JsonObject = Object.create(null);
    rememberFoldedKeys(out, null);
    this.members(() => {
      const key = this.key();
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        throw new BodyError('ambiguous-json', `duplicate key ${JSON.stringify(key)} in one map (Go keeps the last)`);
      }
      out[key] = this.value(depth);
    });
    return out;
  }

  /** The members of an object at `pos` (its `{`): `member` reads one `"key": value`. */
  members(member: () => void): void {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      member();
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === '}') return;
      if (c !== ',') this.fail('expected "," or "}"');
    }
  }

  /** A member's key and its `:`. */
  key(): string {
    this.skipSpace();
    if (this.text[this.pos] !== '"') this.fail('expected a key');
    const key = this.string();
    this.skipSpace();
    if (this.text[this.pos++] !== ':') this.fail('expected ":"');
    return key;
  }
}

/** What decodeGoJson noticed beyond the value. */
export interface DecodeInfo {
  /**
   * A whole number written with a fraction or an exponent (`1e9`, `100.0`), or as `-0`: Go
   * refuses it in an integer field (`-0` in an unsigned one), and a re-serialised body would
   * write it as an integer dockerd accepts.
   */
  wholeNumberAsFloat?: boolean;
}

/**
 * Decode a JSON request body as dockerd would, refusing ambiguity with a BodyError
 * (`bad-json`, `ambiguous-json`, `trailing-json`, `deep-json`, `json-shape`).
 * Returns undefined for an empty or whitespace-only body (Go's decoder reports io.EOF; what
 * that means is up to the operation). Objects have no prototype, so `__proto__` is a plain key.
 * `info`, when given, is told what else was noticed.
 */
export function decodeGoJson(bytes: Uint8Array, shape: JsonShape = 'any', info?: DecodeInfo): JsonValue | undefined {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new BodyError('bad-json', 'body is not valid UTF-8');
  }
  const p = new Parser(text);
  p.skipSpace();
  if (p.pos === text.length) return undefined;
  const value = p.value(0);
  if (info && p.wholeNumberAsFloat) info.wholeNumberAsFloat = true;
  p.skipSpace();
  if (p.pos !== text.length) {
    throw new BodyError('trailing-json', `unexpected data after the JSON value at offset ${p.pos}`);
  }
  // Go decodes a top-level `null` into a struct or slice as nothing at all (no error, zero
  // values): the docker 20.10 CLI sends `null` as the body of `docker commit`.
  if (value === null && shape !== 'any') return undefined;
  const actual = Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar';
  if (shape !== 'any' && actual !== shape) throw new BodyError('json-shape', `body must be a JSON ${shape}`);
  return value;
}
