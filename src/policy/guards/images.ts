/**
 * `images: { allow: ["busybox", "registry.example.com/*"] }` limits the images containers and
 * services run, images pulled (`fromImage`) and pushed, the image a tag is taken from, and the
 * names images are given (import `repo`, tag, commit, build `t`), since naming an untrusted
 * image `busybox` would otherwise launder it (a BuildKit build's `outputs` may name only
 * client-side exports), and tagging an image the caller may not run
 * into an allowed name would let them run or push it. Image IDs (`sha256:...`) cannot be
 * matched by name and are refused. Not covered: a commit's source is a container (not an
 * image), a build's `FROM` lines are inside its tar, and `ImageLoad` names images from inside
 * its tar: do not allow ImageLoad where this guard matters. Whoever may tag, build, commit or
 * import to an allowed name can replace that name's image for everyone on the daemon.
 * A value that is really a URL (`fromImage=https://user:pw@host/x`) is quoted without its
 * credentials. References are read as dockerd acts on them: with a digest the tag is ignored
 * (image-reference.ts actedOn), pull, push and tag parameters combine as its handlers combine
 * them (daemon-references.ts), and a name-only pull or push, which acts on every tag, needs a
 * pattern allowing every tag of the name.
 */
import type { JsonValue, RequestFacts } from '../../core/types.js';
import { field } from '../../facts/go-fold.js';
import { decodeGoJson } from '../../facts/go-json.js';
import { maskUrlCredentials } from '../../observe/url-credentials.js';
import { containerSpecField, hostConfigField, hostConfigName, show, typeName, type Found } from './body.js';
import { defineGuard } from './guard.js';
import { pullReading, pushReading, namedTarget, tagBesideDigest, tagTarget, withoutDigest, type DaemonReading } from './daemon-references.js';
import { actedOn, compileEveryTagPattern, compileImagePattern, formatReference, normalizeReference } from './image-reference.js';
import { OP, SERVICE_OPS } from './operations.js';
import { holdsSwarmTemplate, SWARM_TEMPLATE_REASON } from './swarm-templates.js';
import { parseAllowList } from './settings.js';

const MOUNTS = hostConfigName('Mounts');

/**
 * Sources of `Type: image` mounts (API 1.48: the image's file system mounted into the
 * container), in HostConfig (both copies) and service ContainerSpec: images run as much as
 * `Image` is. A service's are `swarmExpanded`: the swarm agent expands templates in a mount's
 * Source on the node (swarm-templates.ts).
 */
function imageMountSources(facts: RequestFacts): Checked[] {
  const out: Checked[] = [];
  const lists = [...hostConfigField(facts, MOUNTS).map((f) => ({ f, swarmExpanded: false })), ...containerSpecField(facts, 'Mounts').map((f) => ({ f, swarmExpanded: true }))];
  for (const { f, swarmExpanded } of lists) {
    if (!Array.isArray(f.value)) continue; // the binds guard refuses a Mounts that is not a list
    f.value.forEach((m, i) => {
      const type = field(m, 'Type');
      // Upper-cased as dockerd does for a service's mount type (Go's ToUpper: `ımage` is IMAGE); a container's must be `image` exactly, so this reads more, never less.
      if (typeof type !== 'string' || type.toUpperCase() !== 'IMAGE') return;
      const source = field(m, 'Source');
      out.push({ path: `${f.path}[${i}].Source`, value: source ?? null, swarmExpanded });
    });
  }
  return out;
}

/**
 * One reference a request uses or creates, as dockerd reads it (daemon-references.ts), with
 * where it came from: `everyTag` when it acts on every tag of the name (`value`), `writesTag`
 * for a push, which writes the reference's tag in the registry whatever image its digest picks.
 */
interface Checked extends Found {
  everyTag?: boolean;
  writesTag?: boolean;
  /** What the client sent, when `value` is the guard's reading of it with a `tag` parameter. */
  sent?: { value: string; tag: string };
  /** True when the swarm agent expands templates in `value` before dockerd reads it. */
  swarmExpanded?: boolean;
}

/** `sent` for a reference read together with a non-empty `tag` parameter. */
function sentWith(value: string, tag: string | undefined): Pick<Checked, 'sent'> {
  return tag ? { sent: { value, tag } } : {};
}

/** A reading as a checked reference at `path`. */
function checked(path: string, reading: DaemonReading, writesTag = false): Checked {
  return 'everyTag' in reading ? { path, value: reading.everyTag, everyTag: true } : { path, value: reading.ref, writesTag };
}

/** The image references a request uses or creates, with where they came from. */
function referencesOf(facts: RequestFacts, op: string): Checked[] {
  const out: Checked[] = [];
  const q = facts.query;
  switch (op) {
    case OP.containerCreate: {
      const image = field(facts.body, 'Image');
      if (image !== undefined && image !== null) out.push({ path: 'Image', value: image });
      out.push(...imageMountSources(facts));
      break;
    }
    case OP.serviceCreate:
    case OP.serviceUpdate: {
      const image = field(facts.body, 'TaskTemplate', 'ContainerSpec', 'Image');
      if (image !== undefined && image !== null) out.push({ path: 'TaskTemplate.ContainerSpec.Image', value: image });
      out.push(...imageMountSources(facts));
      break;
    }
    case OP.imageCreate:
      if (q.fromImage) out.push({ ...checked('query fromImage', pullReading(q.fromImage, q.tag)), ...sentWith(q.fromImage, q.tag) });
      if (q.repo) out.push({ path: 'query repo', value: namedTarget(q.repo, q.tag), ...sentWith(q.repo, q.tag) });
      break;
    case OP.imageTag:
      if (facts.params.name) out.push({ path: 'image name', value: facts.params.name });
      if (q.repo) out.push({ path: 'query repo', value: tagTarget(q.repo, q.tag), ...sentWith(q.repo, q.tag) });
      break;
    case OP.imageCommit: // the source is `container`, not an image: only the new name is checked
      if (q.repo) out.push({ path: 'query repo', value: namedTarget(q.repo, q.tag), ...sentWith(q.repo, q.tag) });
      break;
    case OP.imagePush:
      if (facts.params.name) out.push({ ...checked('image name', pushReading(facts.params.name, q.tag), true), ...sentWith(facts.params.name, q.tag) });
      break;
    case OP.imageBuild:
      for (const t of facts.queryAll.t ?? []) out.push({ path: 'query t', value: t });
      break;
  }
  return out;
}

/** Why a reference with a tag and a digest was refused, and what to do: appended to the refusal. */
function digestNote(op: string, value: string): string {
  if (!tagBesideDigest(value)) return '';
  const service = op === OP.serviceCreate || op === OP.serviceUpdate;
  return (
    ': it has a tag and a digest, and dockerd acts on the digest alone (the tag is ignored), so only a pattern allowing that digest allows it (pin it: name@sha256:…)' +
    (service ? '; or run `docker service create/update --no-resolve-image`, which sends the tag alone' : '')
  );
}

/**
 * Why a push of `name:tag@digest` whose digest is allowed was refused: the tag it writes in the
 * registry is not. Appended to the refusal.
 */
function writtenTagNote(value: string): string {
  return `: a push of name:tag@digest sends the digest's image and writes the tag in the registry, so ${show(maskUrlCredentials(withoutDigest(value)))} must be allowed too`;
}

/**
 * `f` as a refusal quotes it, masked: the value, or what the client sent and the guard's reading
 * of it (`"app@D" with tag "1.2" (read as "app:1.2@D", …)`), and the canonical form dockerd
 * acts on (`canonical`) when there is one to show.
 */
function quoted(f: Checked, masked: string, canonical: string | undefined): string {
  if (!f.sent) return `${show(masked)}${canonical ? ` (${canonical})` : ''}`;
  return `${show(maskUrlCredentials(f.sent.value))} with tag ${show(maskUrlCredentials(f.sent.tag))} (read as ${show(masked)}${canonical ? `, ${canonical}` : ''})`;
}

/**
 * True for what dockerd may resolve as an image ID rather than a name: any bare run of hex
 * digits (its image store searches ID prefixes of any length when the name is no known
 * reference) and anything starting `sha256:`. Such values match no name pattern: refused.
 */
export function looksLikeImageId(value: string): boolean {
  return /^[0-9a-f]+$/.test(value) || value.startsWith('sha256:');
}

/**
 * Build exporters that leave no image in the daemon: `local` and `tar` send the result to the
 * client through the session, `cacheonly` exports nothing.
 */
const CLIENT_OUTPUTS = new Set(['local', 'tar', 'cacheonly']);

/**
 * A BuildKit build's `outputs` query value (JSON, API >= 1.40), as dockerd decodes it into
 * `[]ImageBuildOutput{Type, Attrs}`. The `moby` and `image` exporters name the image from
 * `Attrs.name` (a comma-separated list) when no `t` is given, and `image` can push: outside the
 * allow list's reach, so any type but the client-side ones is refused. Undefined when fine.
 */
export function buildOutputsProblem(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let outputs: JsonValue | undefined;
  try {
    outputs = decodeGoJson(Buffer.from(raw, 'utf8'), 'array');
  } catch (err) {
    return `query outputs is not a list dockerd would read the same way (${(err as Error).message})`;
  }
  if (outputs === undefined || outputs === null) return undefined;
  if (!Array.isArray(outputs)) return 'query outputs is not a list';
  for (const [i, out] of outputs.entries()) {
    const type = field(out, 'Type');
    if (typeof type !== 'string' || !CLIENT_OUTPUTS.has(type)) {
      return `query outputs[${i}] type ${show(type ?? null)} would name or push images; only ${[...CLIENT_OUTPUTS].join(', ')} are allowed`;
    }
  }
  return undefined;
}

/** The `images` guard, as this file's header describes it. */
export const imagesGuard = defineGuard({
  key: 'images',
  summary: 'image references run, mounted, pulled, pushed, tagged from or named (Image, image mounts, fromImage, tag source, repo, build t) by allow list',
  operations: [OP.containerCreate, ...SERVICE_OPS, OP.imageCreate, OP.imageTag, OP.imageCommit, OP.imageBuild, OP.imagePush],
  parse(value, at, problems) {
    const setting = parseAllowList(value, at, problems);
    return setting && { ...setting, matchers: setting.allow.map(compileImagePattern), everyTag: setting.allow.map(compileEveryTagPattern) };
  },
  check(config, { facts, op }) {
    if (config.any) return undefined;
    const { matchers, everyTag } = config;
    if (op === OP.imageBuild) {
      const problem = buildOutputsProblem(facts.query.outputs);
      if (problem) return { code: 'image', reason: problem };
    }
    for (const f of referencesOf(facts, op)) {
      // Named by its JSON type, never quoted: a list or map may hold a URL with credentials
      // (`["https://u:pw@h/x"]`), which the record's `image` field masks too.
      if (typeof f.value !== 'string') return { code: 'image', reason: `${f.path} is ${typeName(f.value)}, not an image reference` };
      const masked = maskUrlCredentials(f.value);
      // `registry.example.com/*` allows `{{printf "evil%cio" 46}}/x` as written, which is `evil.io/x` once expanded.
      if (f.swarmExpanded && holdsSwarmTemplate(f.value)) return { code: 'image', reason: `${f.path} ${show(masked)} ${SWARM_TEMPLATE_REASON}` };
      if (f.everyTag && !looksLikeImageId(f.value)) {
        const name = normalizeReference(f.value, false)?.name;
        if (name === undefined || !everyTag.some((m) => m(name))) {
          const act = op === OP.imagePush ? 'pushes every local tag of it (docker push -a)' : 'pulls every tag of it (docker pull -a)';
          return { code: 'image', reason: `${f.path} ${show(masked)} names no tag or digest: dockerd ${act}, and no pattern allows every tag of that name; name a tag` };
        }
        continue;
      }
      const ref = looksLikeImageId(f.value) ? undefined : normalizeReference(f.value);
      // A push of `name:tag@digest` sends the digest's image and writes `tag` in the registry: both must be allowed.
      const tagged = ref && f.writesTag && tagBesideDigest(f.value) ? normalizeReference(withoutDigest(f.value)) : undefined;
      const refAllowed = ref !== undefined && matchers.some((m) => m(ref));
      if (!refAllowed || (tagged && !matchers.some((m) => m(tagged)))) {
        // The canonical form (as dockerd acts on it: a digest without the tag beside it) is shown
        // only for a value with nothing to mask: normalising moves a userinfo behind `docker.io/`,
        // where the mask no longer recognises it.
        const canonical = ref && masked === f.value ? formatReference(actedOn(ref)) : undefined;
        // The digest allowed, the tag a push writes not: say that, not "pin it".
        const note = refAllowed ? writtenTagNote(f.value) : digestNote(op, f.value);
        return { code: 'image', reason: `${f.path} ${quoted(f, masked, canonical)} is not an allowed image${note}` };
      }
    }
    return undefined;
  },
});
