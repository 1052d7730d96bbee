/**
 * The body a create's forward carries: a rewritten one held to the request's body limit, or
 * the form body that replaces the client's.
 */
import type { JsonValue } from '../core/types.js';
import { formBodyReplacement, type TenancyContext } from './context.js';
import type { forward, TenancyVerdict } from './hook.js';
import { serialiseWithin } from './rewritten-body.js';

/** A rewritten body for the daemon, held to the request's body limit (rewritten-body.ts). */
export function json(ctx: TenancyContext, value: JsonValue): Buffer {
  return serialiseWithin(value, ctx.req.method, ctx.req.bodyLimit);
}

/** `v` with the form body that replaces the client's (formBodyReplacement), if there is one. */
export function withForm(ctx: TenancyContext, v: ReturnType<typeof forward>): TenancyVerdict {
  const replacement = formBodyReplacement(ctx);
  if (replacement) v.body = replacement;
  return v;
}
