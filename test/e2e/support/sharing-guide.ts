/**
 * What the tenancy e2e suites share: docs/sharing.md's example policy (tested as the guide
 * prints it, with each suite's edits) and the environment the python-based clients need.
 */
import { readFileSync } from 'node:fs';

/**
 * docs/sharing.md's example policy with each `[find, replace]` applied in order. Each `find`
 * must occur: a changed example fails the suite loudly rather than testing something else.
 */
export function guidePolicy(...edits: readonly (readonly [string | RegExp, string])[]): string {
  const doc = readFileSync('docs/sharing.md', 'utf8');
  let text = /```yaml\n(version: 1[\s\S]*?)```/.exec(doc)?.[1];
  if (!text) throw new Error('docs/sharing.md has no example policy');
  for (const [find, replace] of edits) {
    if (typeof find === 'string' ? !text.includes(find) : !find.test(text)) throw new Error(`the example policy in docs/sharing.md has no ${String(find)}`);
    text = text.replace(find, replace);
  }
  return text;
}

/**
 * The environment with `REQUESTS_CA_BUNDLE` and `CURL_CA_BUNDLE` removed (docker-compose v1 and
 * the python SDK verify the gateway against those instead of `ca.pem` while they are set),
 * plus `extra`.
 */
export function envWithoutCaBundles(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return env;
}

/**
 * A policy whose one rule (`everyone`) allows anyone everything, under `guards` (a flow map such
 * as `'{ hostNamespaces: false }'`) when given, with the `tenancy:` section `tenancyLines`, each
 * indented under `tenancy:` (deeper lines carry their own further indent).
 */
export function everyonePolicy(tenancyLines: readonly string[], opts: { guards?: string } = {}): string {
  const guards = opts.guards === undefined ? '' : `    guards: ${opts.guards}\n`;
  return `version: 1\nrules:\n  - name: everyone\n    who: { anyone: true }\n    allow: all\n${guards}tenancy:\n${tenancyLines.map((l) => `  ${l}\n`).join('')}`;
}

/**
 * The smallest tenancy policy the suites start from: everyone may do anything, teams `web` and
 * `data`, images unowned (so tenants can run busybox), plus `tenancy` lines of the suite's own
 * (`'buildkit: true'`, `'admins: { groups: [ops] }'`), each indented under `tenancy:`.
 */
export function everyoneTenancyPolicy(...tenancyLines: readonly string[]): string {
  return everyonePolicy(['teams: [web, data]', 'unowned: [images]', ...tenancyLines]);
}
