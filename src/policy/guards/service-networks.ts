/**
 * The networks a service create or update attaches its tasks to: `TaskTemplate.Networks[].Target`
 * and the deprecated top-level `Networks[].Target` (dockerd takes the latter when the former is
 * empty; both are read, which only checks more). Keys are read with Go's folding, as dockerd
 * decodes them. Pure: hostNamespaces refuses `host` by name from these, and has the rest resolved
 * on the daemon (src/server/host-network-check.ts).
 */
import type { NetworkLookup, RequestFacts } from '../../core/types.js';
import { field } from '../../facts/go-fold.js';
import { isServiceWrite, type Found } from './body.js';

/** Where a service body lists its networks. */
const LISTS = [['TaskTemplate', 'Networks'], ['Networks']] as const;

/**
 * Every `Target` a ServiceCreate or ServiceUpdate body gives, in body order, with its path
 * (`TaskTemplate.Networks[0].Target`); absent and null ones left out (dockerd reads them as
 * empty). Nothing for other operations, or lists that are not arrays (dockerd refuses those).
 */
export function serviceNetworkTargets(facts: RequestFacts): Found[] {
  const out: Found[] = [];
  for (const { path, value } of serviceNetworkAttachments(facts)) {
    const t = field(value, 'Target');
    if (t !== undefined && t !== null) out.push({ path: `${path}.Target`, value: t });
  }
  return out;
}

/**
 * Every network attachment a ServiceCreate or ServiceUpdate body gives (the elements of both
 * lists, whatever their type), with its path (`TaskTemplate.Networks[0]`); nothing for other
 * operations, or lists that are not arrays (dockerd refuses those). dockerd converts both lists:
 * each attachment's `DriverOpts` becomes its `DriverAttachmentOpts` (the sysctls guard reads them).
 */
export function serviceNetworkAttachments(facts: RequestFacts): Found[] {
  if (!isServiceWrite(facts)) return [];
  const out: Found[] = [];
  for (const where of LISTS) {
    const list = field(facts.body, ...where);
    if (Array.isArray(list)) list.forEach((value, i) => out.push({ path: `${where.join('.')}[${i}]`, value }));
  }
  return out;
}

/**
 * The targets to resolve on the daemon: the string ones other than the name `host` (which
 * the guard refuses outright, as it does a target that is no string).
 */
export function serviceNetworkLookups(facts: RequestFacts): NetworkLookup[] {
  const out: NetworkLookup[] = [];
  for (const { path, value } of serviceNetworkTargets(facts)) {
    if (typeof value === 'string' && value.toLowerCase() !== 'host') out.push({ path, target: value });
  }
  return out;
}
