/**
 * True for a plain mapping (a YAML or JSON object: not null, not an array). Tagged YAML values
 * (`!!omap`, `!!set`, `!!pairs`, a YAML 1.1 timestamp, `!!binary`) become a Map, a Set, a Date or
 * a Buffer: objects without own keys, which read as a mapping would look empty (in the gateway
 * config `tls: !!omap [...]` dropped tls.crl and a whole `--- !!omap` file ran every default; in a
 * policy `guards: !!set {privileged}` would set no guard). The config and the policy loaders
 * share this one test (config/validate.ts, policy/problems.ts).
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
