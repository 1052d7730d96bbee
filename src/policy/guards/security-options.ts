/**
 * `securityOptions: false` refuses weakening the container's confinement: seccomp anything but
 * the built-in profile (`unconfined` or an inline JSON profile, which is what the CLI sends for
 * `seccomp=file.json`), AppArmor anything but `docker-default`, SELinux `label=disable` or
 * `label=type:...` (spc_t), `label=level:...` (another container's categories), `no-new-privileges=false`,
 * `systempaths=unconfined`, `writable-cgroups=true`, and options dockerd would not recognise.
 * Service specs: seccomp `unconfined`/`custom`, AppArmor `disabled`, SELinux `Disable`, `Type` or `Level`.
 * Parsing follows dockerd's `parseSecurityOpt`: `key=value`, legacy `key:value`.
 */
import type { JsonValue } from '../../core/types.js';
import { field } from '../../facts/go-fold.js';
import { hostConfigField, hostConfigName, isServiceWrite, items, show } from './body.js';
import { defineGuard, type Violation } from './guard.js';
import { CONTAINER_OPS, SERVICE_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

/** Go's strconv.ParseBool; undefined when it would fail. */
function goBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/**
 * An SELinux level chosen by the caller: dockerd gives each container categories of its own,
 * and a level naming another container's categories, or a range of them (`s0-s0:c0.c1023`),
 * reaches that container's files.
 */
const LEVEL_PROBLEM = "sets an SELinux level (a level of another container's categories, or a range, reaches its files)";

/** Why one SecurityOpt entry weakens confinement, or undefined when it does not. */
export function securityOptProblem(opt: string): string | undefined {
  if (opt === 'no-new-privileges') return undefined;
  if (opt === 'disable') return 'disables SELinux labelling';
  let parts = opt.split('=');
  if (parts.length === 1) parts = opt.split(':');
  const key = (parts[0] ?? '').toLowerCase();
  const value = parts.slice(1).join(opt.includes('=') ? '=' : ':');
  if (parts.length < 2) return 'is not a recognised security option';
  switch (key) {
    case 'seccomp':
      if (value === 'builtin') return undefined;
      if (value.toLowerCase() === 'unconfined') return 'disables seccomp';
      return 'sets a custom (inline) seccomp profile';
    case 'apparmor':
      return value === 'docker-default' ? undefined : value.toLowerCase() === 'unconfined' ? 'disables AppArmor' : 'sets a custom AppArmor profile';
    case 'label':
      if (value.toLowerCase() === 'disable') return 'disables SELinux labelling';
      if (/^level:/i.test(value)) return LEVEL_PROBLEM;
      if (/^(user|role|filetype):/i.test(value)) return undefined;
      return 'sets an SELinux type or an unknown label option';
    case 'no-new-privileges':
      return goBool(value) === true ? undefined : 'turns no-new-privileges off';
    case 'systempaths':
      return value === 'unconfined' ? 'unmasks system paths' : 'is not a recognised security option';
    case 'writable-cgroups':
      return goBool(value) === false ? undefined : 'makes cgroups writable';
    default:
      return 'is not a recognised security option';
  }
}

const SECURITY_OPT = hostConfigName('SecurityOpt');

/** The `securityOptions` guard, as this file's header describes it. */
export const securityOptionsGuard = defineGuard({
  key: 'securityOptions',
  summary: 'weakened confinement (HostConfig.SecurityOpt: seccomp/apparmor/label, no-new-privileges=false; service Privileges)',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const f of hostConfigField(facts, SECURITY_OPT)) {
      for (const { value, suffix } of items(f.value)) {
        if (typeof value !== 'string') return violation(`${f.path}${suffix} ${show(value)} is not a string`);
        const why = securityOptProblem(value);
        if (why) return violation(`${f.path}${suffix} ${show(value)} ${why}`);
      }
    }
    if (isServiceWrite(facts)) return servicePrivileges(field(facts.body, 'TaskTemplate', 'ContainerSpec', 'Privileges'));
    return undefined;
  },
});

function servicePrivileges(p: JsonValue | undefined): Violation | undefined {
  const base = 'TaskTemplate.ContainerSpec.Privileges';
  const lower = (v: JsonValue | undefined) => (typeof v === 'string' ? v.toLowerCase() : v);
  const seccompMode = lower(field(p, 'Seccomp', 'Mode'));
  if (seccompMode !== undefined && seccompMode !== null && seccompMode !== '' && seccompMode !== 'default') {
    return violation(`${base}.Seccomp.Mode ${show(seccompMode)} is not allowed`);
  }
  const profile = field(p, 'Seccomp', 'Profile');
  if (profile !== undefined && profile !== null && profile !== '') return violation(`${base}.Seccomp.Profile sets a custom seccomp profile`);
  const apparmor = lower(field(p, 'AppArmor', 'Mode'));
  if (apparmor !== undefined && apparmor !== null && apparmor !== '' && apparmor !== 'default') {
    return violation(`${base}.AppArmor.Mode ${show(apparmor)} is not allowed`);
  }
  const disable = field(p, 'SELinuxContext', 'Disable');
  if (disable !== undefined && disable !== null && disable !== false) return violation(`${base}.SELinuxContext.Disable disables SELinux labelling`);
  const type = field(p, 'SELinuxContext', 'Type');
  if (type !== undefined && type !== null && type !== '') return violation(`${base}.SELinuxContext.Type ${show(type)} is not allowed`);
  const level = field(p, 'SELinuxContext', 'Level');
  if (level !== undefined && level !== null && level !== '') return violation(`${base}.SELinuxContext.Level ${show(level)} ${LEVEL_PROBLEM}`);
  return undefined;
}

function violation(reason: string): Violation {
  return { code: 'security-option', reason };
}
