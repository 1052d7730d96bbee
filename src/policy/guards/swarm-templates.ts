/**
 * Swarm's templates. The swarm agent expands Go templates in some fields of a service's
 * container spec on the node, just before it creates each task container (swarmkit
 * template/expand.go, ExpandContainerSpec: the same fields in its v1 and v2 sources): `Env` values,
 * `Hostname`, and a mount's `Source` and `Target`, its volume labels and volume driver option
 * values. Nothing else: not `Image`, `Labels`, `Command`, `Sysctls` or the other container spec
 * fields, and not network attachments (`Aliases`, `DriverOpts`), which dockerd's executor
 * copies into each task container's endpoint as written (seen on dockerd 20.10: an alias
 * `al-{{.Task.Slot}}` resolves by that very name, a driver option keeps its braces). A config's
 * or secret's payload with `Templating: golang` is expanded too, but no guard reads payloads.
 * A value holding `{{` in an expanded field is not the value dockerd acts on:
 * `/srv/dev/alice/{{"."}}{{"."}}/{{"."}}{{"."}}/{{"."}}{{"."}}` lies under `/srv/dev/alice` as
 * written and is the host's `/` once expanded. So a guard that judges such a value refuses a
 * template in it rather than judge the text (Go's text/template acts only on `{{`, so a value
 * without it is used as written). The expanded fields no guard judges (`Env`, `Hostname`,
 * `Target`, volume labels) are left alone.
 */
import type { JsonValue } from '../../core/types.js';
import { field, isObject } from '../../facts/go-fold.js';
import { show, type Found } from './body.js';

/** True when the swarm agent would expand `value` as a template before using it. */
export function holdsSwarmTemplate(value: JsonValue | undefined): boolean {
  return typeof value === 'string' && value.includes('{{');
}

/** The end of a reason about a templated value: why the gateway cannot judge it. */
export const SWARM_TEMPLATE_REASON = 'holds a template ({{ }}), which the swarm agent expands on the node: what it names is not known here';

/**
 * The first host-mount value in a service's `ContainerSpec.Mounts` that holds a template, as a
 * reason: a bind's or npipe's `Source` (quoted), or a local-driver volume's option value (named,
 * never quoted: volume option values may be secrets). Undefined when there is none. A volume's
 * `Source` is a volume name (templated per task, `data-{{.Task.Slot}}`, is the usual case) and a
 * plugin's options are the volumeDrivers guard's, so both are left alone.
 */
export function templatedServiceMount(found: readonly Found[]): string | undefined {
  for (const f of found) {
    if (!Array.isArray(f.value)) continue; // mountsHostPaths refuses it
    for (const [i, m] of f.value.entries()) {
      const path = `${f.path}[${i}]`;
      const type = field(m, 'Type');
      const t = typeof type === 'string' ? type.toLowerCase() : '';
      const source = field(m, 'Source');
      if ((t === 'bind' || t === 'npipe') && holdsSwarmTemplate(source)) return `${path}.Source ${show(source)} ${SWARM_TEMPLATE_REASON}`;
      if (t !== 'volume') continue;
      const driver = field(m, 'VolumeOptions', 'DriverConfig', 'Name');
      if (typeof driver === 'string' && driver !== '' && driver !== 'local') continue;
      const opts = field(m, 'VolumeOptions', 'DriverConfig', 'Options');
      if (!isObject(opts)) continue;
      for (const [key, value] of Object.entries(opts)) {
        if (holdsSwarmTemplate(value)) return `${path}.VolumeOptions.DriverConfig.Options.${key} ${SWARM_TEMPLATE_REASON}`;
      }
    }
  }
  return undefined;
}
