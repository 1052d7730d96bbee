/**
 * `node --import ./bench/lib/reference/undici-forwarder-hook.mjs dist/cli/main.js serve ...`:
 * runs the gateway with undici-forwarder.mjs in place of dist/proxy/forwarder.js (a module
 * resolve hook), for bench/ab.mjs's A/B of the upstream client. A measuring instrument only.
 */
import { register } from 'node:module';

const replacement = new URL('./undici-forwarder.mjs', import.meta.url).href;
const hook = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.endsWith('/dist/proxy/forwarder.js')) return { ...resolved, url: ${JSON.stringify(replacement)}, shortCircuit: true };
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
