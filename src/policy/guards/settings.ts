/**
 * The two shapes guard settings take in YAML, parsed the same way for every guard:
 *
 * - a switch: `privileged: false` refuses the power, `privileged: true` permits it (same as
 *   not listing the guard, but says so explicitly);
 * - an allow list: `capabilities: { allow: [NET_BIND_SERVICE] }` permits only those,
 *   `capabilities: false` permits none, `capabilities: true` permits all.
 */
import { checkKeys, isRecord, stringList, type KeyPath, type Problems } from '../problems.js';

/** A parsed switch: `refuse` true means the guard checks and refuses the power. */
export interface SwitchSetting {
  refuse: boolean;
}

/** A parsed allow list; `any` true means no check. */
export interface AllowSetting {
  any: boolean;
  allow: string[];
}

/** Parse `true` / `false`. */
export function parseSwitch(value: unknown, at: KeyPath, problems: Problems): SwitchSetting | undefined {
  if (typeof value !== 'boolean') {
    problems.add(at, 'must be true (permit) or false (refuse)');
    return undefined;
  }
  return { refuse: !value };
}

/** Parse `true` / `false` / `{ allow: [...] }`, validating each entry with `entry`. */
export function parseAllowList(
  value: unknown,
  at: KeyPath,
  problems: Problems,
  entry?: (item: string, at: KeyPath) => string | undefined,
): AllowSetting | undefined {
  if (typeof value === 'boolean') return { any: value, allow: [] };
  if (!isRecord(value)) {
    problems.add(at, 'must be true, false or { allow: [...] }');
    return undefined;
  }
  checkKeys(value, ['allow'], at, problems);
  if (!('allow' in value)) {
    problems.add(at, 'missing key "allow"');
    return undefined;
  }
  const list = stringList(value.allow, [...at, 'allow'], problems);
  if (!list) return undefined;
  const out: string[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const parsed = entry ? entry(item, [...at, 'allow', i]) : item;
    if (parsed === undefined) ok = false;
    else out.push(parsed);
  });
  return ok ? { any: false, allow: out } : undefined;
}
